"""The multi-process node: ``optionswarm run --role ingest|agents|trading|api`` joined by NATS.

* **ingest** replays history (bars, modelled chains) one session at a time onto a JetStream
  topic, waiting at a per-session barrier until the trading role has finished the previous one;
* **trading** is the node (risk, oversight, orders, paper broker, portfolio, audit, stores on
  PostgreSQL): it plays each session as the single-process run does and, where the strategy
  sits, converses with the agents role;
* **agents** runs the strategy (the swarm and its consensus) on its own bus and clock;
* **api** serves the API and the dashboard over the trading role's service core.

The conversation keeps the single-process order of events exactly (see :mod:`.protocol`), so the
four processes make the same decisions, orders and fills, and write the same audit log, as one.
"""
