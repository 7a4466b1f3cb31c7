"""`optionswarm users`: add and list API users; passwords hashed, never echoed."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from optionswarm.cli import app
from optionswarm.service.users import UserStore, load_users


def test_users_are_added_hashed_and_listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "users.toml"
    runner = CliRunner()
    monkeypatch.setenv("OPTIONSWARM_NEW_PASSWORD", "correct horse battery")
    added = runner.invoke(app, ["users", "add", "ann", "--role", "approver", "--file", str(path)])
    assert added.exit_code == 0, added.output
    assert "correct horse" not in added.output
    assert "correct horse" not in path.read_text()  # only the argon2 hash is stored
    assert path.stat().st_mode & 0o077 == 0  # readable by its owner only
    store = UserStore(load_users(path))
    user = store.authenticate("ann", "correct horse battery")
    assert user is not None
    assert user.role == "approver"
    assert store.authenticate("ann", "wrong password") is None
    listed = runner.invoke(app, ["users", "list", "--file", str(path)])
    assert listed.output.split() == ["ann", "approver"]


@pytest.mark.parametrize(
    ("args", "password", "message"),
    [
        (["bob", "--role", "root"], "long enough pw", "role must be one of"),
        (["bob", "--role", "viewer"], "short", "at least 8 characters"),
        (["bad name!", "--role", "viewer"], "long enough pw", "error"),
    ],
)
def test_bad_users_are_refused_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, args: list[str], password: str, message: str
) -> None:
    path = tmp_path / "users.toml"
    monkeypatch.setenv("OPTIONSWARM_NEW_PASSWORD", password)
    result = CliRunner().invoke(app, ["users", "add", *args, "--file", str(path)])
    assert result.exit_code == 2
    assert message in result.output
    assert not path.exists()
