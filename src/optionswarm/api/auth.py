"""First start: without a users file, create one with an ``admin`` and a random password.

``optionswarm run`` prints the password once to the terminal (never to a log); the file holds
only its argon2 hash. Add more users with ``python -m optionswarm.service.users add``.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from optionswarm.config import ApiSettings
from optionswarm.service.users import add_user

__all__ = ["ensure_bootstrap", "users_path"]


def users_path(settings: ApiSettings) -> Path:
    """``api.users_file``, or ``<state_dir>/users.toml``."""
    return Path(settings.users_file or settings.state_dir / "users.toml")


def ensure_bootstrap(settings: ApiSettings) -> str | None:
    """Create the users file with an admin if it does not exist; returns the new password."""
    path = users_path(settings)
    if path.is_file():
        return None
    path.parent.mkdir(parents=True, exist_ok=True)
    password = secrets.token_urlsafe(18)
    add_user(path, "admin", "admin", password)
    return password
