"""Message bus: a typed publish/subscribe and request/response port and its implementations."""

from optionswarm.bus._inprocess import InProcessBus
from optionswarm.bus._nats_settings import bus_from_settings
from optionswarm.bus._port import (
    BusClosedError,
    BusError,
    BusStats,
    MessageBus,
    MessageTypeError,
    NoResponderError,
    RequestFailedError,
    Subscription,
)
from optionswarm.bus._topic import RequestTopic, Topic, TopicError

__all__ = [
    "BusClosedError",
    "BusError",
    "BusStats",
    "InProcessBus",
    "MessageBus",
    "MessageTypeError",
    "NoResponderError",
    "RequestFailedError",
    "RequestTopic",
    "Subscription",
    "Topic",
    "TopicError",
    "bus_from_settings",
]
