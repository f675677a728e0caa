"""An in-process stand-in for the gateway: answers scripted per route, and records every request it gets.

Also puts the source tree first on ``sys.path``, so that the tests exercise this checkout's ``inferq`` whether or not
(and whichever version) is installed.
"""

from __future__ import annotations

import json
import sys
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable, Optional, Union
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


@dataclass
class Request:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Answer:
    """A scripted answer. ``chunks`` are written one by one (an event stream); ``hold`` is waited on before the
    connection closes, which keeps a stream open and silent; ``drop`` closes the connection without an answer."""

    status: int = 200
    body: Union[bytes, dict, list, None] = None
    headers: dict[str, str] = field(default_factory=dict)
    chunks: list[bytes] = field(default_factory=list)
    hold: Optional[threading.Event] = None
    drop: bool = False


def problem(status: int, title: str, detail: str, **headers: str) -> Answer:
    return Answer(status, {"type": "about:blank", "title": title, "status": status, "detail": detail},
                  {"Content-Type": "application/problem+json", **headers})


def stream(*events: tuple[str, dict], retry_ms: Optional[int] = None, hold: Optional[threading.Event] = None
           ) -> Answer:
    """An event stream of ``(id, job)`` status events; it ends (the connection closes) after the last one."""
    chunks = [f"retry: {retry_ms}\n\n".encode()] if retry_ms is not None else []
    chunks += [f"id:{event_id}\nevent:status\ndata:{json.dumps(job)}\n\n".encode() for event_id, job in events]
    return Answer(200, None, {"Content-Type": "text/event-stream"}, chunks, hold)


class FakeGateway:
    """Serves on 127.0.0.1, on a free port. ``on(method, path, *answers)`` queues answers for a route (the last one
    repeats); a route without answers is a 404 problem."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._answers: dict[tuple[str, str], deque[Union[Answer, Callable[[Request], Answer]]]] = defaultdict(deque)
        self.release = threading.Event()  # set on close: lets held streams end
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self._answer()

            def do_POST(self) -> None:
                self._answer()

            def do_DELETE(self) -> None:
                self._answer()

            def log_message(self, *args: object) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                url = urlsplit(self.path)
                request = Request(self.command, url.path, url.query, dict(self.headers.items()),
                                  self.rfile.read(length))
                gateway.requests.append(request)
                answer = gateway._next(request)
                if answer.drop:
                    return
                body = answer.body if isinstance(answer.body, bytes) else \
                    b"" if answer.body is None else json.dumps(answer.body).encode()
                self.send_response(answer.status)
                headers = {"Content-Type": "application/json", **answer.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                if not answer.chunks:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                for chunk in answer.chunks:
                    self.wfile.write(chunk)
                    self.wfile.flush()
                if answer.hold is not None:
                    answer.hold.wait(10)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        # A short poll: shutdown() waits for it, once per test.
        threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True).start()

    def on(self, method: str, path: str, *answers: Union[Answer, Callable[[Request], Answer]]) -> None:
        self._answers[(method, path)].extend(answers)

    def to(self, method: str, path: str) -> list[Request]:
        """The requests a route got, in order."""
        return [r for r in self.requests if r.method == method and r.path == path]

    def close(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()

    def _next(self, request: Request) -> Answer:
        queued = self._answers.get((request.method, request.path))
        if not queued:
            return problem(404, "Not Found", f"no route {request.method} {request.path}")
        answer = queued.popleft() if len(queued) > 1 else queued[0]
        return answer(request) if callable(answer) else answer
