"""The HTTP and WebSocket API over the service core (see ``app.create_app``)."""

from optionswarm.api.app import create_app
from optionswarm.api.security import ROLE_PERMISSIONS, Permission, Security

__all__ = ["ROLE_PERMISSIONS", "Permission", "Security", "create_app"]
