"""What the service core is given and who calls it: the runtime it reads, the acting user."""

from __future__ import annotations

from typing import Any, Protocol

from optionswarm.audit.log import AuditLog
from optionswarm.config import Settings
from optionswarm.node import TradingNode
from optionswarm.oversight.service import OversightService

__all__ = ["Actor", "RuntimeLike"]


class Actor:
    """Who acts: a user name and a role (``viewer``, ``trader``, ``approver``, ``admin``)."""

    __slots__ = ("role", "username")

    def __init__(self, username: str, role: str) -> None:
        self.username = username
        self.role = role

    def as_payload(self) -> dict[str, str]:
        """For audit records."""
        return {"actor": self.username, "role": self.role}


class RuntimeLike(Protocol):
    """What the service needs of ``service.runtime.NodeRuntime``."""

    @property
    def settings(self) -> Settings:
        """The node's settings (``api.state_dir`` keeps config changes and backtests)."""
        ...

    @property
    def node(self) -> TradingNode:
        """The running node."""
        ...

    @property
    def oversight(self) -> OversightService | None:
        """The approval queue, if attached."""
        ...

    @property
    def audit(self) -> AuditLog:
        """The audit log the node writes to."""
        ...

    @property
    def hub(self) -> Any:
        """The ``EventHub`` (``subscribe(maxsize)``, ``unsubscribe(queue)``)."""
        ...

    @property
    def replay(self) -> Any:
        """The ``ReplayDriver`` (``status()``, ``pause()``, ``resume()``) or None."""
        ...

    def components_state(self) -> dict[str, str]:
        """Each component's state by name."""
        ...
