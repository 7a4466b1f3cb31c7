"""Choose the bus from settings: the in-process default, or NATS JetStream to scale out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from optionswarm.bus._inprocess import InProcessBus
from optionswarm.bus._port import MessageBus

if TYPE_CHECKING:
    from optionswarm.config import BusSettings

__all__ = ["bus_from_settings"]


def bus_from_settings(settings: BusSettings) -> MessageBus:
    """The bus ``settings.kind`` names (nats-py is imported only for ``kind="nats"``)."""
    if settings.kind == "inprocess":
        return InProcessBus()
    from optionswarm.bus.nats import NatsBus, NatsBusConfig  # noqa: PLC0415 -- optional extra

    return NatsBus(
        NatsBusConfig(
            servers=settings.nats_servers,
            prefix=settings.prefix,
            consumer=settings.consumer,
            replicas=settings.replicas,
        )
    )
