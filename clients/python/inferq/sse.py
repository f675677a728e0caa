"""Server-sent events (the WHATWG HTML "event stream" format), parsed one line at a time.

Line by line rather than from an iterator, so that the caller decides how long each read may take: a job's stream
is read under the deadline of a wait.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Event:
    """One dispatched event: its type, its data (the ``data:`` lines joined by newlines) and the last event id."""

    event: str
    data: str
    id: Optional[str]


class Parser:
    """Turns lines into events. ``last_id`` and ``retry_ms`` persist across events, as the format says."""

    def __init__(self) -> None:
        self.last_id: Optional[str] = None
        self.retry_ms: Optional[int] = None
        self._id_buffer: Optional[str] = None
        self._event = ""
        self._data: list[str] = []

    def feed(self, line: str) -> Optional[Event]:
        """Takes one line (with or without its line ending); answers the event a blank line completes, if any."""
        line = line.rstrip("\r\n")
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None  # a comment: the gateway's keep-alive
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self._id_buffer = value
        elif name == "retry" and value.isdigit():
            self.retry_ms = int(value)
        return None

    def _dispatch(self) -> Optional[Event]:
        self.last_id = self._id_buffer
        event, data = self._event or "message", self._data
        self._event, self._data = "", []
        if not data:
            return None
        return Event(event, "\n".join(data), self.last_id)
