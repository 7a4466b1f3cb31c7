"""Request/response on core NATS (not JetStream): a request needs an answer now, not a record.

The responder side decodes the request, calls the responder on a worker thread, checks the answer's
type and replies; a failure travels back as headers (``Osw-Error`` kind, ``Osw-Error-Type``
exception class) and becomes ``RequestFailedError`` or ``MessageTypeError`` at the requester. The
requester rebuilds a built-in exception class (``KeyError``, ``ValueError``...) as the error's
``__cause__``; any other class arrives as ``RemoteResponderError`` naming it.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

from optionswarm.bus._nats_codec import codec_for
from optionswarm.bus._port import BusError, MessageTypeError, RequestFailedError
from optionswarm.bus._topic import RequestTopic

__all__ = ["RemoteResponderError", "answer", "raise_for_reply"]

ERROR_HEADER = "Osw-Error"
ERROR_TYPE_HEADER = "Osw-Error-Type"


class RemoteResponderError(BusError):
    """The remote responder raised an exception of a class this process cannot rebuild."""


def answer(
    topic: RequestTopic[Any, Any], responder: Callable[[Any], Any], data: bytes
) -> tuple[bytes, dict[str, str] | None]:
    """Run ``responder`` on a request's bytes: (reply bytes, error headers or None)."""
    try:
        request = codec_for(topic.request_type).decode(data)
    except Exception as error:
        return str(error).encode(), {ERROR_HEADER: "bad-request", ERROR_TYPE_HEADER: "ValueError"}
    try:
        response = responder(request)
    except Exception as error:
        return str(error).encode(), {
            ERROR_HEADER: "failed",
            ERROR_TYPE_HEADER: type(error).__name__,
        }
    if not isinstance(response, topic.response_type):
        text = (
            f"responder of {topic.name!r} returned {type(response).__name__}, "
            f"expected {topic.response_type.__name__}"
        )
        return text.encode(), {ERROR_HEADER: "type", ERROR_TYPE_HEADER: "TypeError"}
    return codec_for(topic.response_type).encode(response), None


def raise_for_reply(
    topic: RequestTopic[Any, Any], headers: dict[str, str] | None, data: bytes
) -> None:
    """Raise the requester-side error a reply carries, if any."""
    kind = headers.get(ERROR_HEADER) if headers else None
    if kind is None or headers is None:
        return
    text = data.decode(errors="replace")
    if kind == "type":
        raise MessageTypeError(text)
    cause = _rebuild(headers.get(ERROR_TYPE_HEADER, "Exception"), text)
    raise RequestFailedError(f"responder of {topic.name!r} failed: {cause!r}") from cause


def _rebuild(class_name: str, text: str) -> Exception:
    cls = getattr(builtins, class_name, None)
    if isinstance(cls, type) and issubclass(cls, Exception):
        try:
            return cls(text)
        except Exception:  # an exotic constructor signature
            pass
    return RemoteResponderError(f"{class_name}: {text}")
