"""The Ed25519 key file: created 0600 on first use, reloaded after, refused when exposed."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key

from optionswarm.audit import Ed25519Signer, KeyFileError
from optionswarm.audit.verifier import key_id_of, verify_signature


def test_key_file_is_created_owner_only_and_reloads_the_same_key(tmp_path: Path) -> None:
    path = tmp_path / "key.pem"
    first = Ed25519Signer.load_or_create(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = Ed25519Signer.load_or_create(path)
    assert again.public_key == first.public_key
    assert first.key_id == key_id_of(first.public_key)
    assert verify_signature(first.public_key, b"msg", again.sign(b"msg"))
    assert not verify_signature(first.public_key, b"other", again.sign(b"msg"))


def test_a_group_readable_key_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "key.pem"
    Ed25519Signer.load_or_create(path)
    path.chmod(0o640)
    with pytest.raises(KeyFileError, match="chmod 600"):
        Ed25519Signer.load_or_create(path)


def test_a_key_file_holding_another_key_type_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "key.pem"
    pem = generate_private_key(SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.write_bytes(pem)
    path.chmod(0o600)
    with pytest.raises(KeyFileError, match="Ed25519"):
        Ed25519Signer.load_or_create(path)


def test_a_malformed_public_key_never_verifies() -> None:
    assert not verify_signature(b"short", b"msg", bytes(64))
