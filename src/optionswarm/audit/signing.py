"""Ed25519 signing key for checkpoints and archive manifests, kept outside the database.

The key is a PKCS#8 PEM file with mode 0600. :meth:`Ed25519Signer.load_or_create` generates it on
first use (created atomically with ``O_EXCL``, so two processes never write two keys) and refuses
to load a key file that group or others can read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from optionswarm.audit.verifier import key_id_of

__all__ = ["Ed25519Signer", "KeyFileError"]


class KeyFileError(RuntimeError):
    """The signing key file is unusable (unsafe permissions, wrong key type)."""


class Ed25519Signer:
    """Signs checkpoint and manifest messages with one Ed25519 private key."""

    def __init__(self, private_key: Ed25519PrivateKey) -> None:
        self._key = private_key
        self.public_key: bytes = private_key.public_key().public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw
        )
        self.key_id: str = key_id_of(self.public_key)

    @classmethod
    def generate(cls) -> Ed25519Signer:
        """A signer with a fresh in-memory key (tests, throwaway logs)."""
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def load_or_create(cls, path: str | os.PathLike[str]) -> Ed25519Signer:
        """Load the key at ``path``, or create it there (mode 0600) if it does not exist."""
        key_path = Path(path)
        try:
            fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return cls._load(key_path)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        with os.fdopen(fd, "wb") as fh:
            fh.write(pem)
            fh.flush()
            os.fsync(fh.fileno())
        return cls(key)

    @classmethod
    def _load(cls, key_path: Path) -> Ed25519Signer:
        mode = stat.S_IMODE(key_path.stat().st_mode)
        if mode & 0o077:
            raise KeyFileError(
                f"signing key {key_path} has mode {mode:o}; it must be readable by its owner only "
                "(chmod 600)"
            )
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise KeyFileError(f"{key_path} does not hold an Ed25519 private key")
        return cls(key)

    def sign(self, message: bytes) -> bytes:
        """The Ed25519 signature of ``message``."""
        return self._key.sign(message)
