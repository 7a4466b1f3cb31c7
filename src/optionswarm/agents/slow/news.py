"""Headlines and where they come from: a timestamped file (JSONL/CSV) or an RSS feed.

A headline counts only from the instant it was published: ``HeadlineFeed.as_of(ts)`` returns
those with ``published_ns <= ts`` (a backtest never reads tomorrow's news). The RSS reader
uses the standard library only (``urllib`` + ``xml.etree``), caps the document size and
skips items without a parseable date.
"""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import email.utils
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import msgspec

__all__ = [
    "SAMPLE_HEADLINES_FILE",
    "Headline",
    "HeadlineFeed",
    "load_headlines",
    "parse_rss",
    "read_rss",
]

SAMPLE_HEADLINES_FILE = Path(__file__).with_name("data") / "sample_headlines.jsonl"
"""INVENTED sample headlines for demos and tests — not real news (see the file's header)."""

_MAX_RSS_BYTES = 2_000_000


class Headline(msgspec.Struct, frozen=True, kw_only=True):
    """One headline, known from ``published_ns`` (UTC ns); ``underlying`` None = market-wide."""

    published_ns: int
    title: str
    source: str = ""
    underlying: str | None = None


def _iso_to_ns(text: str) -> int:
    stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if stamp.tzinfo is None:
        raise ValueError(f"timestamp {text!r} has no time zone")
    return int(stamp.timestamp()) * 1_000_000_000 + stamp.microsecond * 1_000


def _from_row(row: Mapping[str, str | None]) -> Headline:
    published, title = row["published"], row["title"]
    if not published or not title:
        raise ValueError("published and title are required")
    return Headline(
        published_ns=_iso_to_ns(published),
        title=title.strip(),
        source=(row.get("source") or "").strip(),
        underlying=(row.get("underlying") or "").strip() or None,
    )


def load_headlines(path: str | Path) -> list[Headline]:
    """Headlines from a JSONL or CSV file with ``published`` (ISO 8601 with zone), ``title``
    and optional ``source`` / ``underlying``. JSONL lines starting with ``#`` are comments."""
    path = Path(path)
    with path.open(encoding="utf-8", newline="") as handle:
        if path.suffix.lower() == ".csv":
            return [_from_row(row) for row in csv.DictReader(handle)]
        rows = []
        for number, line in enumerate(handle, start=1):
            text = line.strip()
            if not text or text.startswith("#"):
                continue
            try:
                rows.append(_from_row(msgspec.json.decode(text, type=dict[str, str | None])))
            except (msgspec.DecodeError, KeyError, ValueError) as exc:
                raise ValueError(f"{path.name}:{number}: {exc}") from exc
        return rows


class HeadlineFeed:
    """Headlines in publication order, read as of a decision time."""

    def __init__(self, headlines: Iterable[Headline]) -> None:
        self._items: list[Headline] = []
        self._stamps: list[int] = []
        self._index(headlines)

    def _index(self, headlines: Iterable[Headline]) -> None:
        self._items = sorted(headlines, key=lambda h: (h.published_ns, h.title))
        self._stamps = [h.published_ns for h in self._items]

    def __len__(self) -> int:
        return len(self._items)

    def extend(self, headlines: Iterable[Headline]) -> None:
        """Add headlines (e.g. from a fresh RSS read); duplicates by (time, title) are dropped."""
        seen = {(h.published_ns, h.title) for h in self._items}
        fresh = [h for h in headlines if (h.published_ns, h.title) not in seen]
        self._index([*self._items, *fresh])

    def as_of(
        self,
        ts_ns: int,
        *,
        lookback_ns: int | None = None,
        underlying: str | None = None,
        limit: int | None = None,
    ) -> tuple[Headline, ...]:
        """Headlines published at or before ``ts_ns`` (newest last), optionally only the last
        ``lookback_ns``, only market-wide ones or those on ``underlying``, and the newest
        ``limit``."""
        end = bisect.bisect_right(self._stamps, ts_ns)
        start = 0 if lookback_ns is None else bisect.bisect_left(self._stamps, ts_ns - lookback_ns)
        picked: Sequence[Headline] = self._items[start:end]
        if underlying is not None:
            picked = [h for h in picked if h.underlying in (None, underlying)]
        if limit is not None:
            picked = picked[-limit:] if limit > 0 else []
        return tuple(picked)


def _rss_time(text: str | None) -> int | None:
    if not text:
        return None
    try:
        stamp = email.utils.parsedate_to_datetime(text.strip())
    except (TypeError, ValueError):
        return None
    if stamp.tzinfo is None:
        return None
    return int(stamp.timestamp()) * 1_000_000_000 + stamp.microsecond * 1_000


def parse_rss(
    document: bytes, *, source: str = "rss", underlying: str | None = None
) -> list[Headline]:
    """The dated items of an RSS 2.0 document (``ValueError`` when it is not RSS XML)."""
    if len(document) > _MAX_RSS_BYTES:
        raise ValueError(f"RSS document larger than {_MAX_RSS_BYTES} bytes")
    try:
        root = ET.fromstring(document)  # expat: no external entities
    except ET.ParseError as exc:
        raise ValueError(f"not XML: {exc}") from exc
    if root.tag != "rss":
        raise ValueError(f"not an RSS document (root <{root.tag}>)")
    headlines = []
    for item in root.iter("item"):
        title = (item.findtext("title") or "").strip()
        published = _rss_time(item.findtext("pubDate"))
        if title and published is not None:
            headlines.append(
                Headline(published_ns=published, title=title, source=source, underlying=underlying)
            )
    return headlines


def read_rss(
    url: str, *, timeout_s: float = 5.0, source: str = "rss", underlying: str | None = None
) -> list[Headline]:
    """Fetch and parse an RSS feed (live mode; ``OSError`` / ``ValueError`` on failure)."""
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"only http(s) feeds are read, got {url!r}")
    with urllib.request.urlopen(url, timeout=timeout_s) as response:
        document = response.read(_MAX_RSS_BYTES + 1)
    return parse_rss(document, source=source, underlying=underlying)
