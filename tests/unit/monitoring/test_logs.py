"""Logs go to standard error at info and above, so standard output stays clean JSON."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest
import structlog

from optionswarm.monitoring import configure_logging

_SCRIPT = """
import structlog
import optionswarm
log = structlog.get_logger("probe")
log.debug("hidden-debug")
log.info("shown-info", n=1)
print('{"result": 1}')
"""


def test_importing_the_package_keeps_logs_off_standard_output_and_debug_quiet() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _SCRIPT], capture_output=True, text=True, check=True
    )
    assert json.loads(proc.stdout) == {"result": 1}
    assert "shown-info" in proc.stderr
    assert "hidden-debug" not in proc.stderr + proc.stdout


def test_json_logging_writes_one_parseable_line_per_event() -> None:
    stream = io.StringIO()
    try:
        configure_logging("warning", json=True, stream=stream)
        log = structlog.get_logger("probe")
        log.info("below-threshold")
        log.warning("breaker_tripped", breaker="drawdown")
    finally:
        configure_logging("info")  # back to the package default for the tests that follow
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["event"] == "breaker_tripped"
    assert record["breaker"] == "drawdown"
    assert record["level"] == "warning"


def test_an_unknown_level_is_refused_naming_it() -> None:
    with pytest.raises(ValueError, match="'loud'"):
        configure_logging("loud")
