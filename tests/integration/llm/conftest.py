"""One real SmolLM2-135M model for the whole session, and a real llama.cpp server on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from optionswarm.llm import EmbeddedEngine, LLMConfig, shipped_model_path

MAX_TOKENS = 96


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def model_path() -> Path:
    return shipped_model_path()


@pytest.fixture(scope="session")
def embedded_engine() -> Iterator[EmbeddedEngine]:
    engine = EmbeddedEngine(LLMConfig(max_tokens=MAX_TOKENS, n_ctx=1024))
    engine.load()
    yield engine
    engine.close()


class LlamaServer:
    """``python -m llama_cpp.server`` on a free loopback port, as a subprocess."""

    def __init__(self, model: Path, log_dir: Path) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        command = [
            sys.executable, "-m", "llama_cpp.server", "--model", str(model),
            "--host", "127.0.0.1", "--port", str(self.port), "--n_ctx", "1024",
            "--n_threads", "1", "--n_threads_batch", "1",
            "--model_alias", "smollm2", "--verbose", "false",
        ]  # fmt: skip
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.log_path = log_dir / "llama_server.log"
        self._log = self.log_path.open("wb")  # a file, not a pipe: a full pipe would block it
        self.process = subprocess.Popen(
            command, stdout=self._log, stderr=subprocess.STDOUT, env=env
        )

    def wait_ready(self, timeout_s: float = 240.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = self.log_path.read_text(errors="replace")
                raise RuntimeError(f"llama_cpp.server exited: {err[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/models", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except OSError:
                time.sleep(0.25)
        raise TimeoutError("llama_cpp.server did not become ready")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(20)
        self._log.close()


@pytest.fixture
def llama_server(model_path: Path, tmp_path: Path) -> Iterator[LlamaServer]:
    server = LlamaServer(model_path, tmp_path)
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()
