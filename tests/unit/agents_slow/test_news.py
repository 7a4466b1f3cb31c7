"""Headlines: files, RSS over a real loopback HTTP server, and no look-ahead."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from optionswarm.agents.slow import (
    SAMPLE_HEADLINES_FILE,
    Headline,
    HeadlineFeed,
    load_headlines,
    parse_rss,
    read_rss,
)

DAY = 86_400 * 1_000_000_000

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Test feed</title>
<item><title>Stocks rally on strong earnings</title>
      <pubDate>Tue, 02 Jan 2018 14:00:00 GMT</pubDate></item>
<item><title>Bonds slump as yields jump</title>
      <pubDate>Wed, 03 Jan 2018 15:30:00 +0000</pubDate></item>
<item><title>No date, so skipped</title></item>
<item><title>Bad date, so skipped</title><pubDate>yesterday</pubDate></item>
</channel></rss>"""


def test_sample_file_is_labelled_invented_and_loads() -> None:
    header = SAMPLE_HEADLINES_FILE.read_text(encoding="utf-8").splitlines()[0]
    assert "INVENTED" in header
    assert "NOT REAL NEWS" in header
    headlines = load_headlines(SAMPLE_HEADLINES_FILE)
    assert len(headlines) == 20
    assert all(h.title.startswith("SAMPLE:") for h in headlines)


def test_csv_and_jsonl_files_give_the_same_headlines(tmp_path: Path) -> None:
    csv_file = tmp_path / "news.csv"
    csv_file.write_text(
        "published,title,source,underlying\n"
        "2018-01-02T14:00:00Z,Stocks rally,wire,sp500\n"
        "2018-01-03T15:30:00+00:00,Bonds slump,wire,\n",
        encoding="utf-8",
    )
    jsonl_file = tmp_path / "news.jsonl"
    jsonl_file.write_text(
        '{"published": "2018-01-02T14:00:00Z", "title": "Stocks rally", "source": "wire",'
        ' "underlying": "sp500"}\n'
        '{"published": "2018-01-03T15:30:00+00:00", "title": "Bonds slump", "source": "wire"}\n',
        encoding="utf-8",
    )
    assert load_headlines(csv_file) == load_headlines(jsonl_file)
    first, second = load_headlines(csv_file)
    assert first.published_ns == 1_514_901_600 * 1_000_000_000
    assert second.underlying is None


def test_a_headline_without_a_time_zone_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "news.jsonl"
    path.write_text('{"published": "2018-01-02T14:00:00", "title": "x"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"news\.jsonl:1: .*time zone"):
        load_headlines(path)


def test_as_of_never_returns_a_headline_published_later() -> None:
    feed = HeadlineFeed(load_headlines(SAMPLE_HEADLINES_FILE))
    feb_5 = 1_517_865_300 * 1_000_000_000  # 2018-02-05T21:15:00Z, a publication instant
    seen = feed.as_of(feb_5)
    assert seen[-1].title.startswith("SAMPLE: Volatility explodes")  # published exactly then
    assert all(h.published_ns <= feb_5 for h in seen)
    assert feed.as_of(feb_5 - 1)[-1].title.startswith("SAMPLE: Stocks tumble")


def test_as_of_filters_by_window_underlying_and_limit() -> None:
    feed = HeadlineFeed(load_headlines(SAMPLE_HEADLINES_FILE))
    end = 1_522_000_000 * 1_000_000_000  # 2018-03-25
    recent = feed.as_of(end, lookback_ns=30 * DAY)
    assert [h.published_ns >= end - 30 * DAY for h in recent] == [True] * len(recent)
    assert {h.underlying for h in feed.as_of(end, underlying="sp500")} == {"sp500", None}
    assert feed.as_of(end, underlying="ndx") == tuple(
        h for h in feed.as_of(end) if h.underlying is None
    )
    assert len(feed.as_of(end, limit=2)) == 2
    assert feed.as_of(end, limit=0) == ()


@given(
    stamps=st.lists(st.integers(0, 10**12), max_size=30),
    now=st.integers(0, 10**12),
)
def test_as_of_is_exactly_the_headlines_published_by_then(stamps: list[int], now: int) -> None:
    feed = HeadlineFeed(Headline(published_ns=t, title=f"h{i}") for i, t in enumerate(stamps))
    got = feed.as_of(now)
    assert sorted(h.published_ns for h in got) == sorted(t for t in stamps if t <= now)


def test_extend_adds_new_headlines_and_drops_repeats() -> None:
    feed = HeadlineFeed(parse_rss(RSS))
    feed.extend(parse_rss(RSS))
    assert len(feed) == 2
    feed.extend([Headline(published_ns=1, title="old news")])
    assert feed.as_of(1)[0].title == "old news"


def test_parse_rss_reads_dated_items_and_refuses_other_documents() -> None:
    items = parse_rss(RSS, source="test", underlying="sp500")
    titles = [h.title for h in items]
    assert titles == ["Stocks rally on strong earnings", "Bonds slump as yields jump"]
    assert items[0].published_ns == 1_514_901_600 * 1_000_000_000
    assert items[1].source == "test"
    with pytest.raises(ValueError, match="not an RSS"):
        parse_rss(b"<feed><entry/></feed>")
    with pytest.raises(ValueError, match="not XML"):
        parse_rss(b"<rss><channel>")
    with pytest.raises(ValueError, match="larger"):
        parse_rss(b" " * 2_000_001)


@pytest.fixture
def rss_server() -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.end_headers()
            self.wfile.write(RSS)

        def log_message(self, *args: object) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
    server.shutdown()
    server.server_close()
    thread.join()


def test_read_rss_fetches_a_feed_from_a_real_http_server(rss_server: str) -> None:
    items = read_rss(rss_server, source="local")
    assert len(items) == 2
    assert items[1].title == "Bonds slump as yields jump"


def test_read_rss_refuses_non_http_urls() -> None:
    with pytest.raises(ValueError, match="http"):
        read_rss("file:///etc/passwd")
