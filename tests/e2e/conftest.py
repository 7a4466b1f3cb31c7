"""Fixtures of the dashboard's browser tests: a real ``optionswarm run`` and Debian's chromium.

The server is a subprocess on a free loopback port with its own state directory, users of every
role, and a paused-free replay; the browser is ``/usr/bin/chromium`` driven by Playwright (never a
downloaded browser). Nothing here skips: a missing chromium or dashboard build fails the test, so
CI cannot pass these tests by not running them.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = ROOT / "src" / "optionswarm" / "api" / "static" / "dashboard"
ARTIFACTS = ROOT / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
FIGURES = ARTIFACTS / "e2e-figures.json"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
USERS = {"ada": "admin", "tom": "trader", "ann": "approver", "vic": "viewer"}


def password(user: str) -> str:
    """The test password of a user."""
    return f"e2e-{user}-password"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A running ``optionswarm run``: its URL, and API clients per user."""

    base: str
    log: Path
    _tokens: dict[str, str] = field(default_factory=dict)

    def token(self, user: str) -> str:
        """A fresh bearer token of ``user`` (logged in through the API)."""
        if user not in self._tokens:
            reply = httpx.post(
                f"{self.base}/api/auth/login",
                json={"username": user, "password": password(user)},
                timeout=10,
            )
            reply.raise_for_status()
            self._tokens[user] = reply.json()["access_token"]
        return self._tokens[user]

    def api(self, user: str) -> httpx.Client:
        """An HTTP client that calls the API as ``user``."""
        return httpx.Client(
            base_url=self.base, headers={"Authorization": f"Bearer {self.token(user)}"}, timeout=10
        )


def _ensure_dashboard() -> None:
    if (DASHBOARD / "index.html").is_file():
        return
    if shutil.which("npm") is None:
        pytest.fail("the dashboard is not built and npm is missing: run web/build.sh")
    subprocess.run(["bash", str(ROOT / "web" / "build.sh")], check=True, timeout=900)


def _write_users(state: Path) -> None:
    from optionswarm.service.users import add_user

    for user, role in USERS.items():
        add_user(state / "users.toml", user, role, password(user))


def _wait_ready(base: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"optionswarm run exited ({proc.returncode}):\n{log.read_text()[-4000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base}/ready", timeout=2).json().get("ready"):
                return
        time.sleep(0.2)
    pytest.fail(f"optionswarm run not ready in 90 s:\n{log.read_text()[-4000:]}")


@contextlib.contextmanager
def _run(home: Path) -> Iterator[Server]:
    """``optionswarm run`` in ``home`` (its state, users and log there) until the block ends."""
    _ensure_dashboard()
    state = home / "state"
    state.mkdir()
    _write_users(state)
    port = _free_port()
    log = home / "run.log"
    env = {
        **os.environ,
        "HOME": str(home),
        "OPTIONSWARM_API_SECRET": secrets.token_urlsafe(32),
        "NO_COLOR": "1",
    }
    command = [
        str(Path(sys.executable).with_name("optionswarm")),
        "run",
        "--port",
        str(port),
        "--state-dir",
        str(state),
        "--speed",
        "1",
    ]
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=home, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, proc, log)
        running = Server(base=base, log=log)
        _warm_up(running)
        yield running
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def _warm_up(server: Server) -> None:
    """One order through risk and the approval queue, then rejected: the first order of a process
    compiles the pricing code (numba), which is not what the timed checks measure."""
    order = {"underlying": "SPX", "legs": spread_legs(server), "quantity": 1, "limit_price": None}
    with server.api("tom") as api:
        api.post("/api/orders", json=order).raise_for_status()
    clear_queue(server)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One ``optionswarm run`` shared by the e2e session (paper replay of 2018, 1 session/s)."""
    with _run(tmp_path_factory.mktemp("e2e-run")) as running:
        yield running


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[Server]:
    """An ``optionswarm run`` of the test's own, for a test that changes it for good (kill)."""
    with _run(tmp_path) as running:
        yield running


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Debian's chromium, headless, with its profile and caches in a temporary HOME.

    Module-scoped: Playwright's sync API keeps an event loop running on the main thread while
    it is open, which would break every later test that runs its own asyncio loop."""
    if not CHROMIUM.is_file():
        pytest.fail("Debian's chromium is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    home = tmp_path_factory.mktemp("chromium-home")
    env: dict[str, str | float | bool] = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
        "XDG_DATA_HOME": str(home / "data"),
    }
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, env=env)
        try:
            yield chromium
        finally:
            chromium.close()


def login(page: Any, server: Server, user: str, *, then: str = "/") -> None:
    """Sign ``user`` in through the login page and wait for ``then`` to show."""
    page.goto(f"{server.base}/login/?next={urllib.parse.quote(then)}")
    page.get_by_label("Username").fill(user)
    page.get_by_label("Password").fill(password(user))
    page.get_by_role("button", name="Sign in").click()
    page.get_by_test_id("role").wait_for()
    assert page.get_by_test_id("role").inner_text() == USERS[user]


def record_figures(**figures: Any) -> None:
    """Merge figures into artifacts/e2e-figures.json and print them."""
    ARTIFACTS.mkdir(exist_ok=True)
    current = json.loads(FIGURES.read_text()) if FIGURES.is_file() else {}
    current.update(figures)
    FIGURES.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")
    print(json.dumps(figures, sort_keys=True))


def spread_legs(server: Server, *, offset: int = 0) -> list[dict[str, Any]]:
    """A put credit spread below spot on the fourth expiry of the modelled chain."""
    deadline = time.monotonic() + 60
    with server.api("vic") as api:
        while (reply := api.get("/api/chain")).status_code == 404:  # before the first session
            assert time.monotonic() < deadline, "no option chain 60 s after start"
            time.sleep(0.3)
        chain = reply.raise_for_status().json()
    expiry = chain["expiries"][min(3, len(chain["expiries"]) - 1)]
    puts = sorted(
        (r for r in chain["rows"] if r["expiry"] == expiry and r["right"] == "P"),
        key=lambda r: r["strike"],
    )
    below = [r for r in puts if r["strike"] < chain["spot"] and r["bid"]]
    short, long_ = below[-2 - offset], below[-4 - offset]
    return [
        {"symbol": short["symbol"], "side": "sell", "ratio": 1},
        {"symbol": long_["symbol"], "side": "buy", "ratio": 1},
    ]


def clear_queue(server: Server, keep: str | None = None) -> None:
    """Reject (as the admin) every open approval request except ``keep``: the swarm's own
    requests hold the replay, and the test's order fills only once the replay moves."""
    with server.api("ada") as api:
        for status in ("pending", "approved_partial"):
            for request in api.get(f"/api/approvals?status={status}").raise_for_status().json():
                if request["request_id"] != keep:
                    api.post(
                        f"/api/approvals/{request['request_id']}/reject",
                        json={"comment": "e2e: not this one"},
                    )
