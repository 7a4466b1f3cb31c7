"""Configuration through the service: read (secrets redacted), stage validated changes.

Changes are dotted keys (``{"risk.flatten_on_kill": true}``), validated against ``Settings``
together with the changes already staged, and written to ``<state_dir>/config-overrides.json``.
They take effect when the node next starts: ``optionswarm run`` passes
:func:`load_config_overrides` to ``load_settings``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from optionswarm.config import Settings
from optionswarm.service import views as v
from optionswarm.service.config_schema import LOCKED_KEYS
from optionswarm.service.errors import InvalidRequestError

__all__ = ["OVERRIDES_FILE", "SettingsOps", "load_config_overrides"]

OVERRIDES_FILE = "config-overrides.json"
_SECRET_WORDS = ("secret", "password", "token", "key_path", "credential")
_NOTE = "changes are validated and staged; they take effect when the node restarts"


def _redact(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _redact(item, k) for k, item in value.items()}
    if any(word in key.lower() for word in _SECRET_WORDS) and value is not None:
        return "***"
    return value


def _nest(flat: dict[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for dotted, value in flat.items():
        node = nested
        *parents, leaf = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise InvalidRequestError("invalid_key", f"{dotted!r} conflicts with another key")
        node[leaf] = value
    return nested


def _merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def load_config_overrides(state_dir: Path) -> dict[str, Any]:
    """The staged changes as nested keyword overrides for ``load_settings`` (empty if none)."""
    path = state_dir / OVERRIDES_FILE
    if not path.is_file():
        return {}
    flat: dict[str, Any] = json.loads(path.read_text())
    return _nest(flat)


class SettingsOps:
    """Reads the running settings and stages changes for the next start."""

    def __init__(self, settings: Settings, state_dir: Path) -> None:
        self.settings = settings
        self.path = state_dir / OVERRIDES_FILE

    def pending(self) -> dict[str, Any]:
        """Staged changes by dotted key."""
        if not self.path.is_file():
            return {}
        staged: dict[str, Any] = json.loads(self.path.read_text())
        return staged

    def read(self) -> v.ConfigView:
        """The running settings (secrets redacted) and the staged changes."""
        return v.ConfigView(
            settings=_redact(self.settings.model_dump(mode="json")),
            pending_changes=self.pending(),
            note=_NOTE,
        )

    def patch(self, changes: dict[str, Any]) -> v.ConfigPatchResult:
        """Validate ``changes`` (with those already staged) and stage them."""
        for key in changes:
            parts = key.split(".")
            if not all(part.isidentifier() for part in parts) or len(parts) > 4:
                raise InvalidRequestError("invalid_key", f"{key!r} is not a dotted settings key")
            if key in LOCKED_KEYS:
                raise InvalidRequestError("locked_key", f"{key} is changed in the file only")
        staged = {**self.pending(), **changes}
        for key in staged:
            clash = next((other for other in staged if other.startswith(f"{key}.")), None)
            if clash is not None:
                raise InvalidRequestError("invalid_key", f"{key!r} and {clash!r} overlap")
        current = self.settings.model_dump(mode="json")
        try:
            Settings.model_validate(_merge(current, _nest(staged)))
        except ValidationError as exc:
            message = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
            raise InvalidRequestError("invalid_settings", message) from None
        except (TypeError, ValueError) as exc:
            raise InvalidRequestError("invalid_settings", str(exc)) from None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(staged, indent=2, sort_keys=True))
        tmp.replace(self.path)
        return v.ConfigPatchResult(applied=changes, pending_changes=staged, note=_NOTE)
