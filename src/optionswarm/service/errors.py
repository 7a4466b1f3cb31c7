"""What the service raises; each transport maps the type onto its own vocabulary.

::

    ServiceError (code, message)
     +-- NotFoundError      unknown id                         (HTTP 404)
     +-- InvalidRequestError the request makes no sense        (HTTP 422)
     +-- ForbiddenError     the actor's role may not do it      (HTTP 403)
     +-- RefusedError       a state change the system refused   (HTTP 409)
     +-- BusyError          too much queued work                (HTTP 429)
"""

from __future__ import annotations

__all__ = [
    "BusyError",
    "ForbiddenError",
    "InvalidRequestError",
    "NotFoundError",
    "RefusedError",
    "ServiceError",
]


class ServiceError(Exception):
    """Base: a machine-readable ``code`` and a sentence."""

    status = 400

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class NotFoundError(ServiceError):
    """No such order, approval, breaker, record or job."""

    status = 404


class InvalidRequestError(ServiceError):
    """The request is well-formed but invalid (e.g. an order the domain model refuses)."""

    status = 422


class ForbiddenError(ServiceError):
    """The actor's role may not take this action."""

    status = 403


class RefusedError(ServiceError):
    """The system refused a state change (already decided, not tripped, ...)."""

    status = 409


class BusyError(ServiceError):
    """Too much work is queued; try later."""

    status = 429
