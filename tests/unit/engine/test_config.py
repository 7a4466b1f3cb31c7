"""Settings: TOML file + OPTIONSWARM_* environment, frozen, unknown keys rejected."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pydantic import ValidationError

from optionswarm.config import ConfigError, Settings, load_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.upper().startswith("OPTIONSWARM_"):
            monkeypatch.delenv(name)


def test_defaults_need_no_file_and_no_environment() -> None:
    settings = load_settings()
    assert settings.mode == "backtest"
    assert settings.backtest.underlying == "sp500"
    assert settings.strategy.name == "short-put-spread"


def test_toml_file_is_read_and_environment_overrides_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "node.toml"
    path.write_text(
        '[backtest]\nstart = "2015-01-02"\nseed = 3\n[strategy]\nname = "covered-call"\n'
    )
    monkeypatch.setenv("OPTIONSWARM_BACKTEST__SEED", "11")
    settings = load_settings(path)
    assert settings.backtest.start == dt.date(2015, 1, 2)
    assert settings.backtest.seed == 11
    assert settings.strategy.name == "covered-call"


def test_keyword_overrides_win_over_file_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "node.toml"
    path.write_text('mode = "paper"\n')
    monkeypatch.setenv("OPTIONSWARM_MODE", "live")
    assert load_settings(path, mode="backtest").mode == "backtest"
    assert load_settings(path).mode == "live"


def test_bad_value_in_file_fails_naming_the_key(tmp_path: Path) -> None:
    path = tmp_path / "node.toml"
    path.write_text('[strategy]\ntarget_delta = 2.0\n[backtest]\nstart = "not-a-date"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    assert "strategy.target_delta" in str(info.value)
    assert "backtest.start" in str(info.value)


def test_unknown_key_in_file_is_rejected_by_name(tmp_path: Path) -> None:
    path = tmp_path / "node.toml"
    path.write_text("[execution]\nfee_per_contrakt = 1.0\n")
    with pytest.raises(ConfigError, match=r"execution\.fee_per_contrakt: unknown key"):
        load_settings(path)


def test_unknown_nested_environment_key_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPTIONSWARM_BACKTEST__SEEED", "1")
    with pytest.raises(ConfigError, match=r"backtest\.seeed: unknown key"):
        load_settings()


def test_unknown_top_level_environment_key_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPTIONSWARM_BACKTST__SEED", "1")
    with pytest.raises(ConfigError, match="OPTIONSWARM_BACKTST__SEED: unknown key 'backtst'"):
        load_settings()


def test_flat_variables_of_subsystem_commands_are_left_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPTIONSWARM_DATA_DIR", "/tmp/data")
    assert load_settings().mode == "backtest"


def test_bad_environment_value_names_the_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPTIONSWARM_PORTFOLIO__INITIAL_CASH", "-5")
    with pytest.raises(ConfigError, match=r"portfolio\.initial_cash"):
        load_settings()


def test_cross_field_rules_are_checked() -> None:
    with pytest.raises(ConfigError, match="wing_delta must be below target_delta"):
        load_settings(strategy={"target_delta": 0.1, "wing_delta": 0.2})
    with pytest.raises(ConfigError, match="end 2014-01-01 must be after start"):
        load_settings(backtest={"start": "2015-01-01", "end": "2014-01-01"})
    with pytest.raises(ConfigError, match="sma_fast must be below sma_slow"):
        load_settings(strategy={"sma_fast": 50, "sma_slow": 20})


def test_missing_or_malformed_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "absent.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[backtest\n")
    with pytest.raises(ConfigError, match="invalid settings"):
        load_settings(broken)


def test_settings_are_frozen() -> None:
    settings = load_settings()
    with pytest.raises(ValidationError):
        settings.backtest.seed = 9  # type: ignore[misc]
    assert isinstance(settings, Settings)


def test_run_sections_read_from_file_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "run.toml"
    path.write_text("[replay]\nspeed = 4.0\nstart = 2017-01-03\n[api]\nport = 8050\n")
    monkeypatch.setenv("OPTIONSWARM_MEMORY__URL", "postgresql://127.0.0.1:5432/test")
    settings = load_settings(path, replay={"end": "2017-06-30"})
    assert settings.replay.speed == 4.0
    assert str(settings.replay.start) == "2017-01-03"  # file and keyword merge, section by key
    assert str(settings.replay.end) == "2017-06-30"
    assert settings.api.port == 8050
    assert settings.api.host == "127.0.0.1"  # loopback unless configured
    assert settings.memory.url.startswith("postgresql://")
    with pytest.raises(ConfigError, match=r"replay\.speed"):
        load_settings(replay={"speed": 0})
    with pytest.raises(ConfigError, match="end 2018-01-01 must be after start 2018-02-01"):
        load_settings(replay={"start": "2018-02-01", "end": "2018-01-01"})
