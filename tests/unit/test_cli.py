"""The root command line."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from optionswarm import __version__
from optionswarm.cli import app


def test_version_flag_prints_the_package_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"optionswarm {__version__}"


def test_console_script_module_runs_as_a_real_process() -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from optionswarm.cli import main; "
            "sys.argv=['optionswarm','--version']; main()",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert __version__ in proc.stdout
