"""``optionswarm users``: the API's users file (argon2 hashes; passwords never echoed or logged)."""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Annotated

import typer

from optionswarm.api.auth import users_path
from optionswarm.config import ConfigError, load_settings
from optionswarm.service.users import ROLES, add_user, load_users

__all__ = ["app"]

app = typer.Typer(help="Users of the API and dashboard (roles: viewer, trader, approver, admin).")

_FileOption = Annotated[
    Path | None,
    typer.Option("--file", help="Users file (default: api.users_file or STATE/users.toml)."),
]


def _file(path: Path | None) -> Path:
    if path is not None:
        return path
    try:
        return users_path(load_settings().api)
    except ConfigError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None


@app.command("add")
def add_command(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option(help=f"One of {', '.join(ROLES)}.")] = "viewer",
    file: _FileOption = None,
) -> None:
    """Add or replace a user; the password comes from OPTIONSWARM_NEW_PASSWORD or a prompt."""
    if role not in ROLES:
        typer.echo(f"error: role must be one of {', '.join(ROLES)}", err=True)
        raise typer.Exit(2)
    password = os.environ.get("OPTIONSWARM_NEW_PASSWORD") or getpass.getpass("password: ")
    path = _file(file)
    try:
        add_user(path, username, role, password)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"user {username} ({role}) written to {path}")


@app.command("list")
def list_command(file: _FileOption = None) -> None:
    """Each user and role (hashes are not shown)."""
    path = _file(file)
    users = load_users(path) if path.is_file() else {}
    for name, user in sorted(users.items()):
        typer.echo(f"{name}\t{user.role}")
