"""A run's frames over plain HTTP, compressed once: the page's server in front of solara's app.

By default (``SIM_APP_FRAMES=ws``) a new run's frames (:func:`sim.app.frames.explorer_json`,
one ~140 kB JSON text per run) go to every session through its websocket as a widget trait:
each session's thread writes the 140 kB message and the websocket's per-message deflate
compresses it again for each session (~4 ms a session). With ``SIM_APP_FRAMES=http`` the text
is compressed once when it is first written (:func:`publish`), kept here by a key (a hash of
its text: the same frames, the same key), and the run view (:class:`sim.app.widget.RunView`)
gets only the key's URL through its websocket and fetches the bytes from :data:`PATH`
``<key>`` over HTTP, served by :data:`app` on the server's event loop without a session's
kernel. On the 2-core machine with the class's 30 browsers on it, that was slower than the
websocket (the one event loop that serves the requests waits longest for the CPU there;
``experiments/app/README.md``), so it is not the default; the route is always there.

Only frames published here are served: the key is 32 hexadecimal digits looked up in
:data:`_served`, never read as a path; anything else under :data:`PATH` is 404, and a method
other than GET or HEAD 405. The store keeps the :data:`SERVED_SIZE` frames published last
(compressed ~25-30 kB each); a view whose key has gone asks its session to publish its frames
again (:meth:`sim.app.widget.RunView`).

The take-away card's CSV tables come the same way: :func:`publish_tables` keeps, by a key of
the run's settings, a function that writes a run's tables, and :data:`TABLES_PATH`
``<key>/<name>`` answers with the table ``name`` as an attachment (written on request, in a
thread, not on the event loop); an unknown key or table name is 404. Plain links in the page
instead of three solara ``FileDownload`` components (~27 of the page's ~140 elements, which
every server render of the page walked).
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable

#: where the browser fetches a run's frames (the key follows)
PATH = "/_sim/frames/"
#: where the browser downloads a run's tables (the key, "/" and the table's name follow)
TABLES_PATH = "/_sim/tables/"
#: frames kept (more than :func:`sim.app.frames.frames_url`'s cache, so that every URL it
#: returns is served)
SERVED_SIZE = 256
#: zlib's level for the frames (6, its default: 24 kB for a 140 kB text, ~4 ms once per run)
LEVEL = 6
#: how the page sends a run's frames (``SIM_APP_FRAMES``; the first is the default): "ws" as
#: a trait through each session's websocket, written by the session's own thread; "http" by
#: this route, fetched by the browser (measured slower on the loaded 2-core machine, where the
#: server's one event loop that serves it waits longest for the CPU: experiments/app/README.md)
FRAMES_MODES = ("ws", "http")
_KEY = re.compile(r"[0-9a-f]{32}")


def frames_mode(raw: str | None) -> str:
    """``SIM_APP_FRAMES`` checked: "ws" (unset) or "http"."""
    if raw is None:
        return FRAMES_MODES[0]
    if raw not in FRAMES_MODES:
        raise ValueError(f"SIM_APP_FRAMES: {raw!r} is not one of {', '.join(FRAMES_MODES)}")
    return raw


_served: OrderedDict[str, bytes] = OrderedDict()
_lock = threading.Lock()


def key_of(text: str) -> str:
    """The key of a frames text: the first 32 hexadecimal digits of its SHA-256."""
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def publish(text: str) -> str:
    """Keep ``text`` (a run's frames) compressed for :data:`app` to serve; its key.

    Compressed once per text (gzip with no time stamp: the same text, the same bytes); the
    oldest frames go when more than :data:`SERVED_SIZE` are kept.
    """
    key = key_of(text)
    with _lock:
        if key in _served:
            _served.move_to_end(key)
            return key
    body = gzip.compress(text.encode(), compresslevel=LEVEL, mtime=0)
    with _lock:
        _served[key] = body
        _served.move_to_end(key)
        while len(_served) > SERVED_SIZE:
            _served.popitem(last=False)
    return key


def served(key: str) -> bytes | None:
    """The compressed frames of ``key``, or None (not a key, or not kept)."""
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        return None
    with _lock:
        return _served.get(key)


#: a run's tables: (the names it has, the function that writes one as bytes), by key
_tables: OrderedDict[str, tuple[tuple[str, ...], Callable[[str], bytes]]] = OrderedDict()


def publish_tables(text: str, names: tuple[str, ...], write: Callable[[str], bytes]) -> str:
    """Serve the tables ``names`` of a run, written by ``write(name)`` when asked for; the URL
    prefix of their links (:data:`TABLES_PATH` and the key of ``text``, the run's settings
    written out, then "/"). The :data:`SERVED_SIZE` runs published last are kept."""
    key = key_of(text)
    with _lock:
        _tables[key] = (tuple(names), write)
        _tables.move_to_end(key)
        while len(_tables) > SERVED_SIZE:
            _tables.popitem(last=False)
    return f"{TABLES_PATH}{key}/"


def table_writer(tail: str) -> tuple[str, Callable[[str], bytes]] | None:
    """(name, writer) of a table's path after :data:`TABLES_PATH` (``<key>/<name>``), or None
    (not a key, not kept, or not one of its tables' names)."""
    key, _, name = tail.partition("/") if isinstance(tail, str) else ("", "", "")
    if not _KEY.fullmatch(key):
        return None
    with _lock:
        found = _tables.get(key)
    if found is None or name not in found[0]:
        return None
    return name, found[1]


def _headers(status: int, body: bytes, kind: str, extra: dict[str, str]) -> dict:
    headers = [
        (b"content-type", kind.encode()),
        (b"content-length", str(len(body)).encode()),
        (b"x-content-type-options", b"nosniff"),
        *((k.encode(), v.encode()) for k, v in extra.items()),
    ]
    return {"type": "http.response.start", "status": status, "headers": headers}


#: an answer: status, body, content type, other headers
Answer = tuple[int, bytes, str, dict[str, str]]


async def _frames(scope: dict) -> Answer:
    """The answer to a GET under :data:`PATH`: the frames of its key, or 404."""
    found = served(scope["path"][len(PATH) :])
    if found is None:
        return 404, b"no such run\n", "text/plain", {}
    # the key is the text's hash: a URL's content never changes
    extra = {"cache-control": "public, max-age=86400, immutable", "vary": "accept-encoding"}
    accepted = dict(scope.get("headers") or []).get(b"accept-encoding", b"")
    if b"gzip" in accepted:
        extra["content-encoding"] = "gzip"
        return 200, found, "application/json", extra
    return 200, gzip.decompress(found), "application/json", extra


async def _table(scope: dict) -> Answer:
    """The answer to a GET under :data:`TABLES_PATH`: the table as a CSV attachment, or 404."""
    found = table_writer(scope["path"][len(TABLES_PATH) :])
    if found is None:
        return 404, b"no such table\n", "text/plain", {}
    name, write = found
    body = await asyncio.to_thread(write, name)  # the run may need computing again
    return (
        200,
        body,
        "text/csv; charset=utf-8",
        {"content-disposition": f'attachment; filename="{name}"'},
    )


async def _answer(scope: dict, send, answer: Callable[[dict], Awaitable[Answer]]) -> None:
    """Answer a GET or HEAD by ``answer`` (a HEAD without the body); any other method 405."""
    if scope["method"] in ("GET", "HEAD"):
        status, body, kind, extra = await answer(scope)
    else:
        status, body, kind, extra = 405, b"GET or HEAD only\n", "text/plain", {"allow": "GET, HEAD"}
    await send(_headers(status, body, kind, extra))
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})


#: the routes served here, by the start of their path
ROUTES = {PATH: _frames, TABLES_PATH: _table}


class App:
    """The page's ASGI app: :data:`PATH` and :data:`TABLES_PATH` here, everything else solara's
    app (imported when first called, once ``sim.app.serve`` has set the environment it reads)."""

    def __init__(self) -> None:
        self._solara = None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http":
            for start, answer in ROUTES.items():
                if scope["path"].startswith(start):
                    await _answer(scope, send, answer)
                    return
        if self._solara is None:
            from solara.server.starlette import app as solara_app

            self._solara = solara_app
        await self._solara(scope, receive, send)


#: the app ``sim.app.serve`` hands uvicorn
app = App()
