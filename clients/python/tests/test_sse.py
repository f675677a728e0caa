"""The event-stream parser: fields, comments, multi-line data, ids and the reconnection delay."""

import unittest

import fake_gateway  # noqa: F401  (puts the source tree on sys.path)
from inferq.sse import Event, Parser


def parse(text: str) -> tuple[list[Event], Parser]:
    parser = Parser()
    events = [e for e in (parser.feed(line) for line in text.splitlines(keepends=True)) if e is not None]
    return events, parser


class ParserTest(unittest.TestCase):

    def test_the_gateways_events(self) -> None:
        events, parser = parse('retry: 2000\n\nid:QUEUED\nevent:status\ndata:{"status":"QUEUED"}\n\n'
                               ':keep-alive\n\nid:RUNNING\r\nevent:status\r\ndata:{"status":"RUNNING"}\r\n\r\n')

        self.assertEqual([Event("status", '{"status":"QUEUED"}', "QUEUED"),
                          Event("status", '{"status":"RUNNING"}', "RUNNING")], events)
        self.assertEqual(2000, parser.retry_ms)
        self.assertEqual("RUNNING", parser.last_id)

    def test_data_lines_join_and_one_leading_space_goes(self) -> None:
        events, _ = parse("data: a\ndata:  b\n\n")

        self.assertEqual([Event("message", "a\n b", None)], events)

    def test_an_event_is_only_dispatched_by_a_blank_line(self) -> None:
        events, parser = parse("id:x\ndata:half")

        self.assertEqual([], events)
        self.assertIsNone(parser.last_id)

    def test_the_id_persists_and_a_bad_retry_is_ignored(self) -> None:
        events, parser = parse("id:1\ndata:a\n\nretry: soon\ndata:b\n\n")

        self.assertEqual(["1", "1"], [e.id for e in events])
        self.assertIsNone(parser.retry_ms)


if __name__ == "__main__":
    unittest.main()
