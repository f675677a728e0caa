"""The inferq gateway's HTTP API for Python, on the standard library alone.

Requests go through :mod:`http.client` rather than :mod:`urllib.request`: following a job's event stream under a
deadline needs the socket's timeout set before each read, which urllib does not expose.
"""

from __future__ import annotations

import http.client
import json
import mimetypes
import os
import random
import socket
import ssl
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Optional, Union
from urllib.parse import quote, urlencode, urlsplit

from inferq.sse import Parser

DEFAULT_URL = "http://localhost:8080"
"""The statuses a job never leaves."""

_RETRIED_STATUSES = frozenset({429, 503})
_SSE_RETRY_S = 2.0  # the gateway's default `retry:`, used until a stream names its own
_IMAGE_SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"BM", "image/bmp"),
)

Job = dict[str, Any]
"""A job as the gateway answers it: ``id``, ``model``, ``status``, and as it goes on ``predictions``, ``error``..."""


def is_finished(job: Job) -> bool:
    """Whether the job has ended (SUCCEEDED, FAILED, CANCELLED or EXPIRED): the gateway sets ``finished_at`` exactly
    then, so this client keeps no list of its own of which statuses are final."""
    return job.get("finished_at") is not None


class InferqError(Exception):
    """The gateway refused a request: the HTTP status and its RFC 9457 problem body.

    ``retry_after`` is the ``Retry-After`` in seconds (429, 503), or None.
    """

    def __init__(self, status: int, problem: Mapping[str, Any], retry_after: Optional[float] = None) -> None:
        self.status = status
        self.problem = dict(problem)
        self.type: str = self.problem.get("type") or "about:blank"
        self.title: str = self.problem.get("title") or _reason(status)
        self.detail: Optional[str] = self.problem.get("detail")
        self.retry_after = retry_after
        super().__init__(f"{status} {self.title}" + (f": {self.detail}" if self.detail else ""))


class GatewayUnreachable(ConnectionError):
    """No answer from the gateway (refused, reset, timed out), even after the retries."""


class Client:
    """A client of one gateway.

    ``url`` defaults to ``$INFERQ_URL``, else ``http://localhost:8080``; ``api_key`` to ``$INFERQ_API_KEY`` (sent as
    ``Authorization: Bearer``; none: the gateway must run with ``INFERQ_AUTH_MODE=open``). ``timeout`` bounds each
    connect and read in seconds; it must exceed the gateway's keep-alive interval on event streams (15 s).

    Connection errors and 429/503 answers are retried up to ``retries`` times: after a 429 or 503 the pause is its
    ``Retry-After`` (a refusal asking for more than ``max_retry_after`` seconds is raised instead), otherwise it
    doubles from ``backoff`` seconds; a random part is added so that many clients do not come back at once. Retrying
    a submit is safe because every submit carries an ``Idempotency-Key``, made here when the caller gives none.
    """

    def __init__(self, url: Optional[str] = None, api_key: Optional[str] = None, timeout: float = 30.0,
                 retries: int = 3, backoff: float = 0.5, max_retry_after: float = 60.0) -> None:
        self.url = (url or os.environ.get("INFERQ_URL") or DEFAULT_URL).rstrip("/")
        parts = urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL of a gateway: {self.url!r}")
        self._parts = parts
        self._api_key = api_key if api_key is not None else os.environ.get("INFERQ_API_KEY") or None
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_retry_after = max_retry_after

    # --- models ---

    def models(self) -> list[dict[str, Any]]:
        """The models the gateway serves: name, task, labels, weights and the workers serving each now."""
        return self._call("GET", "/v1/models")["models"]

    def model(self, name: str) -> dict[str, Any]:
        """One model's card (architecture, weights, data set, metrics) and live figures (backlog, workers)."""
        return self._call("GET", f"/v1/models/{_segment(name)}")

    # --- submitting ---

    def submit_texts(self, model: str, texts: Iterable[str], *, timeout_s: Optional[int] = None,
                     idempotency_key: Optional[str] = None, callback_url: Optional[str] = None,
                     wait: Optional[int] = None) -> Job:
        """Submits texts to a text model, one prediction each.

        ``timeout_s``: a worker must start the job within that many seconds, or it ends EXPIRED. ``callback_url``:
        the gateway POSTs the finished job there (the gateway needs a webhook secret). ``wait``: the gateway holds
        the answer up to that many seconds (``Prefer: wait``, at most its ``max-wait``), and answers the finished
        job if it ends by then; otherwise, and without ``wait``, the answer is the job just accepted (``id``,
        ``model``, ``status``, ``created_at``).
        """
        if isinstance(texts, str):
            raise TypeError("texts is a list of strings, not one string")
        body = _options({"inputs": list(texts)}, timeout_s, callback_url)
        return self._submit(model, json.dumps(body).encode(), "application/json", {}, idempotency_key, wait)

    def submit_image_url(self, model: str, url: str, *, timeout_s: Optional[int] = None,
                         idempotency_key: Optional[str] = None, callback_url: Optional[str] = None,
                         wait: Optional[int] = None) -> Job:
        """Submits an image the gateway downloads from ``url``; the options are those of :meth:`submit_texts`."""
        body = _options({"url": url}, timeout_s, callback_url)
        return self._submit(model, json.dumps(body).encode(), "application/json", {}, idempotency_key, wait)

    def submit_image_file(self, model: str, path: Union[str, os.PathLike], *, timeout_s: Optional[int] = None,
                          idempotency_key: Optional[str] = None, callback_url: Optional[str] = None,
                          wait: Optional[int] = None) -> Job:
        """Submits an image file; the options are those of :meth:`submit_texts`.

        The file goes as the raw request body with its image type (the gateway's ``image/*`` route), not as a
        multipart upload: the standard library has no multipart encoder, and the gateway treats both alike. The
        type comes from the file's first bytes (JPEG, PNG, GIF, BMP: the formats the gateway takes), so a file
        named wrongly still goes right; any other file is sent as what its name says, and the gateway answers 415.
        """
        image = Path(path).read_bytes()
        query = _options({}, timeout_s, callback_url)
        return self._submit(model, image, _image_type(image, Path(path)), query, idempotency_key, wait)

    # --- following jobs ---

    def get(self, job_id: str) -> Job:
        """The job as stored now; while QUEUED with ``queue_position`` and ``eta_s``."""
        return self._call("GET", f"/v1/jobs/{_segment(job_id)}")

    def cancel(self, job_id: str) -> Job:
        """Cancels a QUEUED job and answers it, now CANCELLED; a job already started raises a 409 InferqError."""
        return self._call("POST", f"/v1/jobs/{_segment(job_id)}/cancel")

    def jobs(self, model: Optional[str] = None, status: Optional[str] = None, limit: Optional[int] = None,
             cursor: Optional[str] = None) -> dict[str, Any]:
        """One page of the caller's jobs, newest first: ``{"jobs": [...], "next_cursor": str | None}``.

        Pass ``next_cursor`` back as ``cursor`` for the next page; None means there is none.
        """
        query = {k: v for k, v in {"model": model, "status": status, "limit": limit, "cursor": cursor}.items()
                 if v is not None}
        return self._call("GET", "/v1/jobs" + (f"?{urlencode(query)}" if query else ""))

    def events(self, job_id: str, last_event_id: Optional[str] = None) -> Iterator[Job]:
        """Follows the job: one record per status change (QUEUED again when its queue position moves), ending
        after the terminal one.

        A connection that drops before the end is reopened with ``Last-Event-ID``, so no state is repeated or
        lost; ``last_event_id`` resumes a stream followed earlier the same way.
        """
        return self._follow(job_id, last_event_id, None)

    def wait(self, job_id: str, timeout: float) -> Job:
        """The job once it is finished (SUCCEEDED, FAILED, CANCELLED or EXPIRED); TimeoutError after ``timeout``
        seconds."""
        finished: Job = {}
        try:
            for finished in self._follow(job_id, None, time.monotonic() + timeout):
                pass
        except TimeoutError:
            raise TimeoutError(f"job {job_id} did not finish within {timeout:g} s") from None
        return finished

    # --- the exchange ---

    def _submit(self, model: str, body: bytes, content_type: str, query: Mapping[str, Any],
                idempotency_key: Optional[str], wait: Optional[int]) -> Job:
        headers = {"Content-Type": content_type, "Idempotency-Key": idempotency_key or str(uuid.uuid4())}
        if wait is not None:
            headers["Prefer"] = f"wait={int(wait)}"
        target = f"/v1/models/{_segment(model)}/jobs" + (f"?{urlencode(query)}" if query else "")
        # The gateway holds the answer back for up to `wait` seconds: the read may take that much longer.
        return self._call("POST", target, body, headers, self.timeout + (wait or 0))

    def _call(self, method: str, target: str, body: Optional[bytes] = None,
              headers: Optional[Mapping[str, str]] = None, timeout: Optional[float] = None) -> Any:
        with self._open(method, target, body, headers or {}, None, timeout) as answer:
            try:
                raw = answer.response.read()
            except (OSError, http.client.HTTPException) as e:
                raise GatewayUnreachable(f"the answer to {method} {target} broke off: {e}") from e
        return json.loads(raw)

    def _follow(self, job_id: str, last_event_id: Optional[str], deadline: Optional[float]) -> Iterator[Job]:
        """The events of :meth:`events`, within ``deadline`` (a :func:`time.monotonic` instant) when given."""
        target = f"/v1/jobs/{_segment(job_id)}/events"
        pause = _SSE_RETRY_S
        drops = 0
        while True:
            headers = {"Accept": "text/event-stream"}
            if last_event_id:
                headers["Last-Event-ID"] = last_event_id
            parser = Parser()  # a new connection: whatever the last one left half-sent is dropped
            with self._open("GET", target, None, headers, deadline) as stream:
                try:
                    while True:
                        stream.sock.settimeout(self._io_timeout(deadline))
                        line = stream.response.readline()
                        if not line:
                            break
                        event = parser.feed(line.decode("utf-8"))
                        if event is None or event.event != "status":
                            continue
                        drops = 0
                        last_event_id = event.id
                        job = json.loads(event.data)
                        yield job
                        if is_finished(job):
                            return
                except (OSError, http.client.HTTPException):
                    if deadline is not None and time.monotonic() >= deadline:
                        raise TimeoutError("the wait ran out") from None
            drops += 1  # the stream ended or broke before the job did
            if drops > self.retries:
                raise GatewayUnreachable(f"the event stream of job {job_id} broke {drops} times in a row")
            if parser.retry_ms is not None:
                pause = parser.retry_ms / 1000
            time.sleep(pause if deadline is None else min(pause, max(0.0, deadline - time.monotonic())))

    def _open(self, method: str, target: str, body: Optional[bytes], headers: Mapping[str, str],
              deadline: Optional[float], timeout: Optional[float] = None) -> _Answer:
        """Sends the request, retrying as the class says; answers a 2xx or 3xx, raises the rest. ``timeout``
        replaces the client's own for this request."""
        attempt = 0
        while True:
            io_timeout = self._io_timeout(deadline) if timeout is None else timeout
            try:
                answer = self._exchange(method, target, body, headers, io_timeout)
            except (OSError, http.client.HTTPException) as e:
                if attempt >= self.retries:
                    raise GatewayUnreachable(f"no answer from {self.url} to {method} {target}: {e}") from e
                pause = self._backoff(attempt)
            else:
                if answer.response.status < 400:
                    return answer
                error = answer.problem()
                if (error.status not in _RETRIED_STATUSES or attempt >= self.retries
                        or (error.retry_after or 0) > self.max_retry_after):
                    raise error
                pause = self._backoff(attempt) if error.retry_after is None \
                    else error.retry_after + random.uniform(0, self.backoff)
            if deadline is not None:
                pause = min(pause, max(0.0, deadline - time.monotonic()))
            time.sleep(pause)
            attempt += 1

    def _exchange(self, method: str, target: str, body: Optional[bytes], headers: Mapping[str, str],
                  timeout: float) -> _Answer:
        host, port = self._parts.hostname, self._parts.port
        if self._parts.scheme == "https":
            connection: http.client.HTTPConnection = http.client.HTTPSConnection(
                host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            connection = http.client.HTTPConnection(host, port, timeout=timeout)
        sent = {"Accept": "application/json", "User-Agent": "inferq-python", **headers}
        if self._api_key:
            sent["Authorization"] = f"Bearer {self._api_key}"
        try:
            connection.request(method, self._parts.path.rstrip("/") + target, body=body, headers=sent)
            sock = connection.sock  # kept: the connection lets go of it when the answer closes the connection
            return _Answer(connection, sock, connection.getresponse())
        except BaseException:
            connection.close()
            raise

    def _io_timeout(self, deadline: Optional[float]) -> float:
        """The time one connect or read may take: the client's timeout, or less where a deadline comes first."""
        if deadline is None:
            return self.timeout
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the wait ran out")
        return min(self.timeout, left)

    def _backoff(self, attempt: int) -> float:
        step = self.backoff * 2 ** attempt
        return step / 2 + random.uniform(0, step / 2)


class _Answer:
    """A response still open, with the connection and socket it is read from."""

    def __init__(self, connection: http.client.HTTPConnection, sock: socket.socket,
                 response: http.client.HTTPResponse) -> None:
        self.connection = connection
        self.sock = sock
        self.response = response

    def __enter__(self) -> _Answer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.response.close()
        self.connection.close()

    def problem(self) -> InferqError:
        """Reads the refusal's body into an InferqError and closes the answer."""
        with self:
            raw = self.response.read()
            status = self.response.status
            retry_after = _retry_after(self.response.getheader("Retry-After"))
        try:
            problem = json.loads(raw)
        except ValueError:
            problem = None
        if not isinstance(problem, dict):  # not from the gateway itself: a proxy's page, say
            problem = {"title": _reason(status), "detail": raw.decode("utf-8", "replace").strip()[:500] or None}
        return InferqError(status, problem, retry_after)


def _options(fields: dict[str, Any], timeout_s: Optional[int], callback_url: Optional[str]) -> dict[str, Any]:
    if timeout_s is not None:
        fields["timeout_s"] = timeout_s
    if callback_url is not None:
        fields["callback_url"] = callback_url
    return fields


def _image_type(image: bytes, path: Path) -> str:
    for signature, media_type in _IMAGE_SIGNATURES:
        if image.startswith(signature):
            return media_type
    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def _retry_after(header: Optional[str]) -> Optional[float]:
    """``Retry-After`` in seconds: delay-seconds or an HTTP date (RFC 9110)."""
    if not header:
        return None
    header = header.strip()
    if header.isdigit():
        return float(header)
    try:
        return max(0.0, parsedate_to_datetime(header).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


def _segment(value: str) -> str:
    """A path segment: a model name or job id cannot reach another route."""
    return quote(value, safe="")


def _reason(status: int) -> str:
    return http.client.responses.get(status, f"HTTP {status}")

