"""The client against a fake gateway: what it sends, how it reads answers and problems, its retries, and event
streams that resume with Last-Event-ID."""

import os
import socket
import tempfile
import time
import unittest
import uuid
from pathlib import Path
from unittest import mock

from fake_gateway import Answer, FakeGateway, problem, stream
from inferq import Client, GatewayUnreachable, InferqError

QUEUED = {"id": "j1", "model": "sentiment", "status": "QUEUED", "created_at": "2026-12-07T10:00:00Z"}
RUNNING = {**QUEUED, "status": "RUNNING"}
DONE = {**QUEUED, "status": "SUCCEEDED", "input_count": 1, "finished_at": "2026-12-07T10:00:01Z",
        "predictions": [{"label": "positive", "score": 0.9,
                         "scores": [{"label": "positive", "score": 0.9}, {"label": "negative", "score": 0.1}]}]}
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 16


class ClientTest(unittest.TestCase):

    def setUp(self) -> None:
        self.gateway = FakeGateway()
        self.addCleanup(self.gateway.close)
        self.client = Client(self.gateway.url, timeout=5, backoff=0.01)

    def test_the_environment_names_the_gateway_and_the_key(self) -> None:
        self.gateway.on("GET", "/v1/models", Answer(body={"models": [{"name": "sentiment"}]}))

        with mock.patch.dict(os.environ, {"INFERQ_URL": self.gateway.url + "/", "INFERQ_API_KEY": "k-1"}):
            models = Client().models()

        self.assertEqual([{"name": "sentiment"}], models)
        self.assertEqual("Bearer k-1", self.gateway.requests[0].headers["Authorization"])

    def test_without_a_key_no_authorization_is_sent(self) -> None:
        self.gateway.on("GET", "/v1/models/sentiment", Answer(body={"name": "sentiment"}))

        with mock.patch.dict(os.environ, {"INFERQ_API_KEY": ""}):
            self.assertEqual("sentiment", Client(self.gateway.url).model("sentiment")["name"])

        self.assertNotIn("Authorization", self.gateway.requests[0].headers)

    def test_texts_go_as_json_with_their_options_and_a_fresh_idempotency_key(self) -> None:
        self.gateway.on("POST", "/v1/models/sentiment/jobs", Answer(200, DONE))

        job = self.client.submit_texts("sentiment", ["I loved it"], timeout_s=30,
                                       callback_url="https://example.org/hook", wait=5)
        self.client.submit_texts("sentiment", ["I loved it"])

        first, second = self.gateway.to("POST", "/v1/models/sentiment/jobs")
        self.assertEqual(DONE, job)
        self.assertEqual({"inputs": ["I loved it"], "timeout_s": 30, "callback_url": "https://example.org/hook"},
                         first.json())
        self.assertEqual("application/json", first.headers["Content-Type"])
        self.assertEqual("wait=5", first.headers["Prefer"])
        self.assertNotIn("Prefer", second.headers)
        self.assertEqual(4, uuid.UUID(first.headers["Idempotency-Key"]).version)
        self.assertNotEqual(first.headers["Idempotency-Key"], second.headers["Idempotency-Key"])

    def test_a_given_idempotency_key_is_sent_as_it_is(self) -> None:
        self.gateway.on("POST", "/v1/models/sentiment/jobs", Answer(202, QUEUED))

        self.client.submit_texts("sentiment", ["a"], idempotency_key="order-17")

        self.assertEqual("order-17", self.gateway.requests[0].headers["Idempotency-Key"])

    def test_one_string_is_not_taken_for_a_list_of_texts(self) -> None:
        with self.assertRaises(TypeError):
            self.client.submit_texts("sentiment", "I loved it")

    def test_an_image_file_is_the_raw_body_typed_by_its_bytes_with_options_in_the_query(self) -> None:
        self.gateway.on("POST", "/v1/models/image/jobs", Answer(202, {**QUEUED, "model": "image"}))
        with tempfile.TemporaryDirectory() as folder:
            photo = Path(folder, "misnamed.jpg")
            photo.write_bytes(PNG)

            self.client.submit_image_file("image", photo, timeout_s=60, callback_url="https://example.org/h")

        sent = self.gateway.requests[0]
        self.assertEqual(PNG, sent.body)
        self.assertEqual("image/png", sent.headers["Content-Type"])
        self.assertEqual("timeout_s=60&callback_url=https%3A%2F%2Fexample.org%2Fh", sent.query)

    def test_an_image_url_goes_as_json(self) -> None:
        self.gateway.on("POST", "/v1/models/image/jobs", Answer(202, QUEUED))

        self.client.submit_image_url("image", "https://example.org/cat.jpg", timeout_s=9)

        self.assertEqual({"url": "https://example.org/cat.jpg", "timeout_s": 9}, self.gateway.requests[0].json())

    def test_get_cancel_and_jobs(self) -> None:
        self.gateway.on("GET", "/v1/jobs/j1", Answer(body=DONE))
        self.gateway.on("POST", "/v1/jobs/j1/cancel", Answer(body={**QUEUED, "status": "CANCELLED"}))
        self.gateway.on("GET", "/v1/jobs", Answer(body={"jobs": [DONE], "next_cursor": "c2"}))

        self.assertEqual(DONE, self.client.get("j1"))
        self.assertEqual("CANCELLED", self.client.cancel("j1")["status"])
        self.assertEqual({"jobs": [DONE], "next_cursor": "c2"},
                         self.client.jobs(model="sentiment", status="SUCCEEDED", limit=10, cursor="c1"))
        self.client.jobs()

        listed = self.gateway.to("GET", "/v1/jobs")
        self.assertEqual(["model=sentiment&status=SUCCEEDED&limit=10&cursor=c1", ""], [r.query for r in listed])

    def test_an_id_cannot_reach_another_route(self) -> None:
        with self.assertRaises(InferqError):
            self.client.get("../models")

        self.assertEqual("/v1/jobs/..%2Fmodels", self.gateway.requests[0].path)

    def test_a_refusal_carries_its_problem(self) -> None:
        self.gateway.on("POST", "/v1/models/nope/jobs",
                        problem(404, "Unknown model", "model 'nope' is not served; models: sentiment"))

        with self.assertRaises(InferqError) as refused:
            self.client.submit_texts("nope", ["x"])

        e = refused.exception
        self.assertEqual((404, "Unknown model", "about:blank"), (e.status, e.title, e.type))
        self.assertIn("models: sentiment", e.detail)
        self.assertEqual(1, len(self.gateway.requests))

    def test_an_answer_that_is_no_problem_body_still_becomes_an_error(self) -> None:
        self.gateway.on("GET", "/v1/models", Answer(502, b"<html>Bad Gateway</html>", {"Content-Type": "text/html"}))

        with self.assertRaises(InferqError) as refused:
            self.client.models()

        self.assertEqual((502, "Bad Gateway", "<html>Bad Gateway</html>"),
                         (refused.exception.status, refused.exception.title, refused.exception.detail))

    def test_a_503_is_retried_after_its_retry_after_with_the_same_idempotency_key(self) -> None:
        self.gateway.on("POST", "/v1/models/sentiment/jobs",
                        problem(503, "Service Unavailable", "retry", **{"Retry-After": "1"}), Answer(202, QUEUED))

        started = time.monotonic()
        job = self.client.submit_texts("sentiment", ["a"])

        self.assertEqual(QUEUED, job)
        self.assertGreaterEqual(time.monotonic() - started, 1.0)
        keys = {r.headers["Idempotency-Key"] for r in self.gateway.to("POST", "/v1/models/sentiment/jobs")}
        self.assertEqual(1, len(keys))

    def test_a_429_is_retried_a_bounded_number_of_times(self) -> None:
        self.gateway.on("GET", "/v1/models", problem(429, "Too Many Requests", "slow down", **{"Retry-After": "0"}))

        with self.assertRaises(InferqError) as refused:
            Client(self.gateway.url, retries=2, backoff=0.01).models()

        self.assertEqual(429, refused.exception.status)
        self.assertEqual(0.0, refused.exception.retry_after)
        self.assertEqual(3, len(self.gateway.requests))

    def test_a_retry_after_beyond_the_bound_is_not_waited_for(self) -> None:
        self.gateway.on("GET", "/v1/models", problem(429, "Too Many Requests", "later", **{"Retry-After": "3600"}))

        with self.assertRaises(InferqError):
            self.client.models()

        self.assertEqual(1, len(self.gateway.requests))

    def test_other_refusals_are_not_retried(self) -> None:
        self.gateway.on("GET", "/v1/models", problem(500, "Internal Server Error", "boom"))

        with self.assertRaises(InferqError):
            self.client.models()

        self.assertEqual(1, len(self.gateway.requests))

    def test_a_gateway_that_does_not_answer_is_unreachable_after_the_retries(self) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            closed_port = s.getsockname()[1]

        with self.assertRaises(GatewayUnreachable):
            Client(f"http://127.0.0.1:{closed_port}", retries=2, backoff=0.01).models()

    def test_a_connection_error_is_retried(self) -> None:
        self.gateway.on("GET", "/v1/models", Answer(drop=True), Answer(body={"models": []}))

        self.assertEqual([], self.client.models())
        self.assertEqual(2, len(self.gateway.requests))

    def test_events_follow_the_job_to_its_end(self) -> None:
        self.gateway.on("GET", "/v1/jobs/j1/events", stream(("QUEUED", QUEUED), ("RUNNING", RUNNING),
                                                            ("SUCCEEDED", DONE)))

        self.assertEqual(["QUEUED", "RUNNING", "SUCCEEDED"], [j["status"] for j in self.client.events("j1")])
        self.assertEqual("text/event-stream", self.gateway.requests[0].headers["Accept"])

    def test_a_dropped_stream_resumes_with_last_event_id(self) -> None:
        self.gateway.on("GET", "/v1/jobs/j1/events",
                        stream(("QUEUED:2", QUEUED), retry_ms=10),          # drops before the job ends
                        Answer(200, None, {"Content-Type": "text/event-stream"}, [b'id:RUNNING\ndata:{"half']),
                        stream(("RUNNING", RUNNING), ("SUCCEEDED", DONE)))

        statuses = [j["status"] for j in self.client.events("j1", last_event_id="earlier")]

        self.assertEqual(["QUEUED", "RUNNING", "SUCCEEDED"], statuses)
        self.assertEqual(["earlier", "QUEUED:2", "QUEUED:2"],
                         [r.headers.get("Last-Event-ID") for r in self.gateway.requests])

    def test_a_stream_that_keeps_breaking_is_given_up(self) -> None:
        self.gateway.on("GET", "/v1/jobs/j1/events", stream(retry_ms=1))

        with self.assertRaises(GatewayUnreachable):
            list(Client(self.gateway.url, retries=2).events("j1"))

        self.assertEqual(3, len(self.gateway.requests))

    def test_events_of_an_unknown_job_are_a_404(self) -> None:
        self.gateway.on("GET", "/v1/jobs/gone/events", problem(404, "Job not found", "no job gone"))

        with self.assertRaises(InferqError) as refused:
            next(self.client.events("gone"))

        self.assertEqual(404, refused.exception.status)

    def test_wait_answers_the_finished_job(self) -> None:
        self.gateway.on("GET", "/v1/jobs/j1/events", stream(("RUNNING", RUNNING), ("SUCCEEDED", DONE)))

        self.assertEqual(DONE, self.client.wait("j1", 5))

    def test_wait_gives_up_at_its_timeout_even_on_a_silent_stream(self) -> None:
        self.gateway.on("GET", "/v1/jobs/j1/events", stream(("QUEUED", QUEUED), hold=self.gateway.release))

        started = time.monotonic()
        with self.assertRaises(TimeoutError) as late:
            self.client.wait("j1", 0.5)

        self.assertLess(time.monotonic() - started, 2)
        self.assertIn("j1", str(late.exception))


if __name__ == "__main__":
    unittest.main()
