"""The users file: argon2 hashes, the add command, and authentication."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from optionswarm.api.auth import ensure_bootstrap, users_path
from optionswarm.api.testkit import FAST_HASHER
from optionswarm.config import ApiSettings
from optionswarm.service.users import UserStore, add_user, load_users, main


def test_an_added_user_is_stored_as_a_hash_and_authenticates(tmp_path: Path) -> None:
    path = tmp_path / "users.toml"
    add_user(path, "alice", "trader", "s3cret-enough", FAST_HASHER)
    add_user(path, "bob", "viewer", "another-one!", FAST_HASHER)
    text = path.read_text()
    assert "s3cret-enough" not in text
    assert "$argon2id$" in text
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    users = load_users(path)
    assert {u: users[u].role for u in users} == {"alice": "trader", "bob": "viewer"}
    store = UserStore(users, FAST_HASHER)
    alice = store.authenticate("alice", "s3cret-enough")
    assert alice is not None
    assert alice.role == "trader"
    assert store.authenticate("alice", "wrong") is None
    assert store.authenticate("nobody", "s3cret-enough") is None
    assert "password_hash" not in repr(alice)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[[users]]\nusername = 'a'\nrole = 'god'\npassword_hash = 'x' \n", "role"),
        (
            "[[users]]\nusername = 'a b'\nrole = 'admin'\n"
            "password_hash = '$argon2id$v=19$aaaaaaaaaaaa'\n",
            "username",
        ),
        ("not toml ===", "users file"),
        (
            "[[users]]\nusername='a'\nrole='admin'\npassword_hash='$argon2id$v=19$aaaaaaaaaaaa'\n"
            * 2,
            "twice",
        ),
    ],
)
def test_a_bad_users_file_is_refused_with_the_reason(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "users.toml"
    path.write_text(content)
    with pytest.raises(ValueError, match=message):
        load_users(path)


def test_the_add_command_reads_the_password_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "users.toml"
    monkeypatch.setenv("OPTIONSWARM_NEW_PASSWORD", "from-the-env-1")
    assert main(["add", str(path), "carol", "approver"]) == 0
    assert load_users(path)["carol"].role == "approver"
    assert "from-the-env-1" not in capsys.readouterr().out
    assert main(["add", str(path), "dave", "emperor"]) == 2
    monkeypatch.setenv("OPTIONSWARM_NEW_PASSWORD", "short")
    assert main(["add", str(path), "erin", "viewer"]) == 2
    assert "8 characters" in capsys.readouterr().err


def test_first_start_creates_an_admin_once(tmp_path: Path) -> None:
    settings = ApiSettings(state_dir=tmp_path)
    password = ensure_bootstrap(settings)
    assert password is not None
    assert users_path(settings) == tmp_path / "users.toml"
    admin = UserStore(load_users(users_path(settings))).authenticate("admin", password)
    assert admin is not None
    assert admin.role == "admin"
    assert ensure_bootstrap(settings) is None
