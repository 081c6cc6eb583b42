"""The runs' frames over HTTP (sim.app.served): only published frames, by key, never a path."""

from __future__ import annotations

import asyncio
import gzip
import json

import pytest

from sim.app import served
from sim.app.controls import Controls
from sim.app.frames import explorer_json, frames_url
from sim.app.runs import get_ghost, get_run


def request(path: str, method: str = "GET", gzip_ok: bool = True) -> tuple[int, dict, bytes]:
    """``method path`` to the page's ASGI app (``sim.app.served.app``): status, headers, body."""
    headers = [(b"accept-encoding", b"gzip, deflate, br")] if gzip_ok else []
    scope = {"type": "http", "method": method, "path": path, "headers": headers}
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(served.app(scope, receive, send))
    start, body = sent
    return start["status"], dict(start["headers"]), body["body"]


@pytest.fixture(scope="module")
def default_frames() -> tuple[str, str]:
    """(URL, JSON text) of the default run's frames, as the page draws them."""
    c = Controls()
    args = (get_run(c), get_ghost(c), None, None, ("DEU", "POL"), "share")
    return frames_url(*args), explorer_json(*args)


def test_a_published_runs_frames_are_served_compressed_and_equal_to_its_text(default_frames):
    url, text = default_frames
    assert url.startswith(served.PATH) and url == served.PATH + served.key_of(text)
    status, headers, body = request(url)
    assert status == 200 and headers[b"content-encoding"] == b"gzip"
    assert headers[b"content-type"] == b"application/json"
    assert gzip.decompress(body).decode() == text
    assert len(body) < len(text) / 3  # compressed once, not per session
    status, headers, plain = request(url, gzip_ok=False)  # a client without gzip
    assert status == 200 and b"content-encoding" not in headers and plain.decode() == text
    status, _, empty = request(url, method="HEAD")
    assert status == 200 and empty == b""
    assert "scenario baseline" in json.loads(text)["label"]


@pytest.mark.parametrize(
    "tail",
    [
        "0" * 32,  # a key's form, never published
        "../../pyproject.toml",
        "..%2f..%2fpyproject.toml",
        "/etc/passwd",
        "",
        "ABCDEF" + "0" * 26,  # upper case: not a key
    ],
)
def test_anything_but_a_published_key_is_404(default_frames, tail):
    url, _ = default_frames
    status, _, body = request(served.PATH + tail)
    assert status == 404 and body == b"no such run\n"
    status, _, _ = request(url + "x")  # a key with more after it
    assert status == 404


def test_only_get_and_head(default_frames):
    status, headers, _ = request(default_frames[0], method="POST")
    assert status == 405 and headers[b"allow"] == b"GET, HEAD"


def test_the_store_keeps_the_frames_published_last(monkeypatch):
    monkeypatch.setattr(served, "_served", type(served._served)())
    monkeypatch.setattr(served, "SERVED_SIZE", 2)
    keys = [served.publish(json.dumps({"run": i})) for i in range(3)]
    assert served.served(keys[0]) is None and served.served(keys[2]) is not None
    assert served.publish(json.dumps({"run": 1})) == keys[1]  # the same text, the same key
    served.publish(json.dumps({"run": 3}))
    assert served.served(keys[1]) is not None and served.served(keys[2]) is None


def test_a_view_whose_frames_are_gone_publishes_them_again(monkeypatch, default_frames):
    """The browser says it could not fetch its URL: the session publishes the frames again and
    says so; a message naming another URL, or anything else, publishes nothing."""
    from sim.app.widget import ROOT_PATH, RunView

    url, text = default_frames
    view = RunView(frames_url=ROOT_PATH + url, published=text)
    replies: list = []
    monkeypatch.setattr(view, "send", replies.append)
    monkeypatch.setattr(served, "_served", type(served._served)())
    key = url[len(served.PATH) :]
    for other in ({"missing": served.PATH + "0" * 32}, {"missing": url, "x": 1}, ["missing"]):
        view._on_message(view, other, [])
        assert served.served(key) is None and not replies
    view._on_message(view, {"missing": ROOT_PATH + url}, [])
    assert gzip.decompress(served.served(key)).decode() == text
    assert replies == [{"published": ROOT_PATH + url}]


def test_a_runs_csv_link_serves_its_table_and_refuses_anything_else(monkeypatch):
    """The take-away card's links (``sim.app.page.TakeAway``): the table of the run they were
    written for, as an attachment; an unknown key, table name or path is 404."""
    from sim.app.charts import TABLES, table_csv
    from sim.app.page import run_table

    monkeypatch.setattr(served, "_tables", type(served._tables)())
    china = Controls(scenario="china_rise")
    prefix = served.publish_tables(repr(china), TABLES, lambda name: run_table(china, name))
    assert prefix == f"{served.TABLES_PATH}{served.key_of(repr(china))}/"
    for name in TABLES:
        status, headers, body = request(prefix + name)
        assert status == 200 and body == table_csv(get_run(china), get_ghost(china), name)
        assert headers[b"content-type"] == b"text/csv; charset=utf-8"
        assert headers[b"content-disposition"] == f'attachment; filename="{name}"'.encode()
    assert request(prefix + "nations.csv")[2].decode().startswith("step,year,iso3,share_pct")
    default = table_csv(get_run(Controls()), get_ghost(Controls()), "nations.csv")
    assert request(prefix + "nations.csv")[2] != default  # this run's table, not another's
    key = prefix[len(served.TABLES_PATH) : -1]
    for tail in (
        "0" * 32 + "/nations.csv",  # a key's form, never published
        key + "/alliances.csv",  # not one of its tables
        key + "/../../pyproject.toml",
        key,
        key + "/",
        "../../pyproject.toml",
        "",
    ):
        status, _, body = request(served.TABLES_PATH + tail)
        assert status == 404 and body == b"no such table\n", tail
    status, _, empty = request(prefix + "world.csv", method="HEAD")
    assert status == 200 and empty == b""
    status, headers, _ = request(prefix + "world.csv", method="POST")
    assert status == 405 and headers[b"allow"] == b"GET, HEAD"


def test_the_tables_store_keeps_the_runs_published_last(monkeypatch):
    monkeypatch.setattr(served, "_tables", type(served._tables)())
    monkeypatch.setattr(served, "SERVED_SIZE", 2)
    prefixes = [served.publish_tables(f"run {i}", ("a.csv",), str.encode) for i in range(3)]
    assert request(prefixes[0] + "a.csv")[0] == 404
    assert request(prefixes[2] + "a.csv")[2] == b"a.csv"
