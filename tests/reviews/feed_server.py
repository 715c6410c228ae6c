"""A real HTTP server on 127.0.0.1 serving feeds to the feed watcher's tests: good, malformed, huge, slow
and failing ones, with conditional requests (issue 6 §2: « Tests serve feeds from a local HTTP server,
including malformed, huge and slow ones »)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/rss+xml; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    # Answer 304 when the request's If-None-Match is this validator.
    etag: str = ""
    # Seconds to wait before answering (interrupted when the server stops).
    delay: float = 0.0
    # A body sent in pieces (a huge feed), instead of `body`; no Content-Length then.
    chunks: Callable[[], Iterable[bytes]] | None = None


@dataclass
class Request:
    path: str
    headers: dict[str, str]


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self.bytes_sent: dict[str, int] = {}
        self.finished = threading.Event()  # set when a chunked answer ends (complete or cut)
        self.stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # quiet tests
                pass

            def do_GET(self) -> None:
                server.requests.append(Request(self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = server.routes.get(self.path)
                try:
                    if route is None:
                        self._answer(404, b"not found", "text/plain", {})
                        return
                    if route.delay and server.stopping.wait(route.delay):
                        return
                    if route.etag and self.headers.get("If-None-Match") == route.etag:
                        self.send_response(304)
                        self.send_header("ETag", route.etag)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    headers = dict(route.headers)
                    if route.etag:
                        headers["ETag"] = route.etag
                    if route.chunks is not None:
                        self._stream(route, headers)
                    else:
                        self._answer(route.status, route.body, route.content_type, headers)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout, size cap)

            def _answer(self, status: int, body: bytes, content_type: str, headers: dict[str, str]) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def _stream(self, route: Route, headers: dict[str, str]) -> None:
                sent = 0
                try:
                    self.send_response(route.status)
                    self.send_header("Content-Type", route.content_type)
                    self.send_header("Connection", "close")
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    assert route.chunks is not None
                    for chunk in route.chunks():
                        self.wfile.write(chunk)
                        self.wfile.flush()
                        sent += len(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    server.bytes_sent[self.path] = sent
                    server.finished.set()
                    self.close_connection = True

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05})
        self.thread.daemon = True

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def serve(self, path: str, **route: Any) -> str:
        """Serve `path` as told; returns its full address."""
        self.routes[path] = Route(**route)
        return self.url(path)

    def requests_to(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=2)


@pytest.fixture
def feed_server(settings: Any) -> Iterator[FeedServer]:
    """The local feed server; the platform may call it (its address is private) for the test's length."""
    settings.OUTBOUND_ALLOW_PRIVATE = True
    server = FeedServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
