"""The service layer of ``optionswarm run``: one core that the CLI, the API and the dashboard call.

``runtime`` builds and drives the node (paper mode on a paced replay) on the event loop;
``replay`` paces history into it; ``hub`` streams its events to clients. The facade the
transports call lives in ``core``.
"""

from optionswarm.service.hub import EventHub, StreamEvent
from optionswarm.service.replay import ReplayDriver, ReplayState, ReplayStatus
from optionswarm.service.runtime import NodeRuntime, new_run_dir

__all__ = [
    "EventHub",
    "NodeRuntime",
    "ReplayDriver",
    "ReplayState",
    "ReplayStatus",
    "StreamEvent",
    "new_run_dir",
]
