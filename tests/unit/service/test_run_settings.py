"""The settings `optionswarm run` starts with: file, staged API changes, then the command line."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from optionswarm.config import ConfigError, load_settings
from optionswarm.service.cli import build_run_settings
from optionswarm.service.settings_ops import SettingsOps


def test_changes_staged_through_the_api_apply_at_the_next_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("OPTIONSWARM_"):
            monkeypatch.delenv(name)
    ops = SettingsOps(load_settings(api={"state_dir": tmp_path}), tmp_path)
    ops.patch({"replay.speed": 4.0, "strategy.target_delta": 0.25})
    settings = build_run_settings(None, state_dir=tmp_path)
    assert settings.mode == "paper"
    assert settings.replay.speed == 4.0  # staged
    assert settings.strategy.target_delta == 0.25  # staged
    # the command line wins over what was staged, key by key
    flags = build_run_settings(None, state_dir=tmp_path, speed=9.0, strategy="swarm", port=8123)
    assert flags.replay.speed == 9.0
    assert flags.strategy.name == "swarm"
    assert flags.strategy.target_delta == 0.25
    assert flags.api.port == 8123
    assert flags.api.host == "127.0.0.1"
    with pytest.raises(ConfigError, match="speed"):
        build_run_settings(None, state_dir=tmp_path, speed=-1.0)


def test_the_strategy_is_the_swarm_unless_the_settings_file_or_the_option_names_one(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    assert build_run_settings(None, state_dir=state).strategy.name == "swarm"
    config = tmp_path / "c.toml"
    config.write_text('[strategy]\nname = "short-put-spread"\n')
    assert build_run_settings(config, state_dir=state).strategy.name == "short-put-spread"
    chosen = build_run_settings(config, state_dir=state, strategy="swarm-equal")
    assert chosen.strategy.name == "swarm-equal"
