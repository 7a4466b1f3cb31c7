"""API users: a TOML file of (username, role, argon2 hash), and a command to add one.

::

    [[users]]
    username = "alice"
    role = "admin"
    password_hash = "$argon2id$v=19$m=65536,t=3,p=4$..."

``python -m optionswarm.service.users add users.toml alice admin`` asks for the password (or
reads ``OPTIONSWARM_NEW_PASSWORD``), hashes it and writes the file (mode 0600). Passwords and
hashes are never logged.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = ["ROLES", "User", "UserStore", "add_user", "hash_password", "load_users", "main"]

ROLES = ("viewer", "trader", "approver", "admin")
_NAME = r"^[A-Za-z0-9_.\-]{1,64}$"


class User(BaseModel):
    """One account."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    username: str = Field(pattern=_NAME)
    role: Literal["viewer", "trader", "approver", "admin"]
    password_hash: str = Field(min_length=20, repr=False)


class _UsersFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    users: list[User] = []


def hash_password(password: str, hasher: PasswordHasher | None = None) -> str:
    """An argon2id hash of ``password``."""
    return (hasher or PasswordHasher()).hash(password)


def load_users(path: Path) -> dict[str, User]:
    """The users of a TOML file by name (``ValueError`` naming what is wrong)."""
    try:
        parsed = _UsersFile.model_validate(tomllib.loads(path.read_text()))
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise ValueError(f"users file {path}: {exc}") from None
    users: dict[str, User] = {}
    for user in parsed.users:
        if user.username in users:
            raise ValueError(f"users file {path}: {user.username!r} appears twice")
        users[user.username] = user
    return users


def _dump(users: dict[str, User]) -> str:
    lines = []
    for user in users.values():  # JSON strings are valid TOML basic strings for these values
        lines += [
            "[[users]]",
            f"username = {json.dumps(user.username)}",
            f"role = {json.dumps(user.role)}",
            f"password_hash = {json.dumps(user.password_hash)}",
            "",
        ]
    return "\n".join(lines)


def add_user(
    path: Path, username: str, role: str, password: str, hasher: PasswordHasher | None = None
) -> User:
    """Add (or replace) a user in ``path`` (created 0600 if missing)."""
    if len(password) < 8:
        raise ValueError("a password needs at least 8 characters")
    users = load_users(path) if path.is_file() else {}
    user = User.model_validate(
        {"username": username, "role": role, "password_hash": hash_password(password, hasher)}
    )
    users[username] = user
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(_dump(users))
    tmp.replace(path)
    return user


class UserStore:
    """Users by name; :meth:`authenticate` spends the same hashing time for unknown names."""

    def __init__(self, users: dict[str, User], hasher: PasswordHasher | None = None) -> None:
        self.users = users
        self.hasher = hasher or PasswordHasher()
        self._dummy = self.hasher.hash("not a password of anyone")

    def authenticate(self, username: str, password: str) -> User | None:
        """The user if the password matches, else None."""
        user = self.users.get(username)
        try:
            self.hasher.verify(user.password_hash if user else self._dummy, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        return user


def main(argv: Sequence[str] | None = None) -> int:
    """``add FILE USERNAME ROLE``: add a user, the password from the prompt or the env."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 4 or args[0] != "add" or args[3] not in ROLES or not re.match(_NAME, args[2]):
        print(f"usage: add USERS_FILE USERNAME ROLE   (ROLE: {', '.join(ROLES)})", file=sys.stderr)
        return 2
    password = os.environ.get("OPTIONSWARM_NEW_PASSWORD") or getpass.getpass("password: ")
    try:
        add_user(Path(args[1]), args[2], args[3], password)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"user {args[2]} ({args[3]}) written to {args[1]}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
