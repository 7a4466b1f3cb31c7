"""Monitoring: structured logs, Prometheus metrics, correlation ids and ``optionswarm doctor``.

* ``logs``: structlog to standard error (JSON or console).
* ``metrics``: ``NodeMetrics`` (a node's metrics on its own registry), ``render_metrics`` for
  ``/metrics``, ``MetricsServer`` for roles without the API.
* ``correlation``: ``CorrelationLog``, one id per trade on every lifecycle log line.
* ``doctor``: ``doctor_command``, the installation and configuration check.

Only ``logs`` is imported here (the package imports it at start-up); import the others directly.
"""

from optionswarm.monitoring.logs import configure_logging

__all__ = ["configure_logging"]
