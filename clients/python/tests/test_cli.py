"""The command line against a fake gateway: what each command sends and prints, and its exit status."""

import contextlib
import io
import json
import os
import socket
import tempfile
import unittest
from pathlib import Path
from unittest import mock

from fake_gateway import Answer, FakeGateway, problem, stream
from inferq.cli import main
from test_client import DONE, PNG, QUEUED, RUNNING

MODELS = {"models": [
    {"name": "sentiment", "task": "text-classification", "labels": ["negative", "positive"], "weights": "trained",
     "workers": [{"id": "w1"}]},
    {"name": "image", "task": "image-classification", "labels": [f"class{i}" for i in range(1000)],
     "weights": "random", "workers": []}]}


class CliTest(unittest.TestCase):

    def setUp(self) -> None:
        self.gateway = FakeGateway()
        self.addCleanup(self.gateway.close)
        for name, task in (("sentiment", "text-classification"), ("image", "image-classification")):
            self.gateway.on("GET", f"/v1/models/{name}", Answer(body={"name": name, "task": task}))
        environment = mock.patch.dict(os.environ, {"INFERQ_URL": self.gateway.url, "INFERQ_API_KEY": ""})
        environment.start()
        self.addCleanup(environment.stop)

    def inferq(self, *argv: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                status = main(["--retries", "1", *argv])
            except SystemExit as exit:  # argparse's own usage errors
                status = exit.code
        return status, out.getvalue(), err.getvalue()

    def test_models_as_a_table_and_as_json_before_or_after_the_command(self) -> None:
        self.gateway.on("GET", "/v1/models", Answer(body=MODELS))

        status, table, _ = self.inferq("models")
        self.assertEqual(0, status)
        self.assertEqual(["NAME", "TASK", "WEIGHTS", "WORKERS", "LABELS"], table.splitlines()[0].split())
        self.assertIn("sentiment  text-classification   trained  1        negative, positive", table)
        self.assertIn("class0, class1, class2, class3, class4, ... (1000)", table)
        for argv in (["models", "--json"], ["--json", "models"]):
            status, printed, _ = self.inferq(*argv)
            self.assertEqual((0, MODELS), (status, json.loads(printed)))

    def test_run_asks_the_gateway_to_wait_and_prints_the_predictions(self) -> None:
        self.gateway.on("POST", "/v1/models/sentiment/jobs", Answer(200, DONE))

        status, out, _ = self.inferq("run", "sentiment", "I loved it")

        self.assertEqual(0, status)
        self.assertEqual("j1  sentiment  SUCCEEDED", out.splitlines()[0])
        self.assertEqual(["#", "INPUT", "LABEL", "SCORE", "SCORES"], out.splitlines()[1].split())
        self.assertIn("1  I loved it  positive  0.900  positive 0.900, negative 0.100", out)
        sent = self.gateway.to("POST", "/v1/models/sentiment/jobs")[0]
        self.assertEqual(({"inputs": ["I loved it"]}, "wait=60"), (sent.json(), sent.headers["Prefer"]))

    def test_run_follows_a_job_that_is_not_done_and_fails_with_it(self) -> None:
        failed = {**RUNNING, "status": "FAILED", "error": "not a decodable image", "finished_at": "2026-12-07T10:00:01Z"}
        self.gateway.on("POST", "/v1/models/sentiment/jobs", Answer(202, QUEUED))
        self.gateway.on("GET", "/v1/jobs/j1/events", stream(("RUNNING", RUNNING), ("FAILED", failed)))

        status, out, _ = self.inferq("run", "sentiment", "x", "--wait", "5")

        self.assertEqual(1, status)
        self.assertIn("FAILED  error: not a decodable image", out)
        self.assertEqual("wait=5", self.gateway.requests[1].headers["Prefer"])

    def test_run_gives_up_after_its_wait(self) -> None:
        self.gateway.on("POST", "/v1/models/sentiment/jobs", Answer(202, QUEUED))
        self.gateway.on("GET", "/v1/jobs/j1/events", stream(("QUEUED", QUEUED), hold=self.gateway.release))

        status, _, err = self.inferq("run", "sentiment", "x", "--wait", "1")

        self.assertEqual(1, status)
        self.assertIn("inferq events j1", err)

    def test_submit_sends_an_image_file_to_an_image_model(self) -> None:
        self.gateway.on("POST", "/v1/models/image/jobs", Answer(202, {**QUEUED, "model": "image"}))
        with tempfile.TemporaryDirectory() as folder:
            photo = Path(folder, "photo.png")
            photo.write_bytes(PNG)

            status, out, _ = self.inferq("submit", "image", str(photo), "--timeout-s", "30")

        self.assertEqual((0, "j1  image  QUEUED\n"), (status, out))
        sent = self.gateway.to("POST", "/v1/models/image/jobs")[0]
        self.assertEqual((PNG, "image/png", "timeout_s=30"), (sent.body, sent.headers["Content-Type"], sent.query))

    def test_submit_an_image_url_with_a_callback_and_an_idempotency_key(self) -> None:
        self.gateway.on("POST", "/v1/models/image/jobs", Answer(202, QUEUED))

        status, out, _ = self.inferq("submit", "image", "--url", "https://example.org/a.jpg", "--json",
                                     "--callback-url", "https://example.org/hook", "--idempotency-key", "k7")

        self.assertEqual((0, QUEUED), (status, json.loads(out)))
        sent = self.gateway.requests[0]
        self.assertEqual({"url": "https://example.org/a.jpg", "callback_url": "https://example.org/hook"}, sent.json())
        self.assertEqual("k7", sent.headers["Idempotency-Key"])

    def test_get_cancel_and_events(self) -> None:
        cancelled = {**QUEUED, "status": "CANCELLED", "error": "cancelled by the client",
                     "finished_at": "2026-12-07T10:00:01Z"}
        self.gateway.on("GET", "/v1/jobs/j1", Answer(body=DONE))
        self.gateway.on("POST", "/v1/jobs/j1/cancel", Answer(body=cancelled))
        self.gateway.on("GET", "/v1/jobs/j1/events", stream(("QUEUED:0", {**QUEUED, "queue_position": 0}),
                                                            ("CANCELLED", cancelled)))

        self.assertEqual(0, self.inferq("get", "j1")[0])
        status, out, _ = self.inferq("cancel", "j1")
        self.assertEqual((0, "j1  sentiment  CANCELLED  error: cancelled by the client\n"), (status, out))
        status, out, _ = self.inferq("events", "j1", "--json")
        self.assertEqual(1, status)  # the job did not succeed
        self.assertEqual(["QUEUED", "CANCELLED"], [json.loads(line)["status"] for line in out.splitlines()])
        self.assertIn("j1  sentiment  QUEUED  position 0", self.inferq("events", "j1")[1])

    def test_jobs_filters_and_points_to_the_next_page(self) -> None:
        self.gateway.on("GET", "/v1/jobs", Answer(body={"jobs": [{**DONE, "finished_at": "2026-12-07T10:00:01Z"}],
                                                        "next_cursor": "c2"}))

        status, out, err = self.inferq("jobs", "--model", "sentiment", "--status", "succeeded", "--limit", "1")

        self.assertEqual(0, status)
        self.assertEqual(["ID", "MODEL", "STATUS", "INPUTS", "CREATED", "FINISHED"], out.splitlines()[0].split())
        self.assertIn("j1  sentiment  SUCCEEDED  1", out)
        self.assertIn("inferq jobs --cursor c2", err)
        self.assertEqual("model=sentiment&status=SUCCEEDED&limit=1", self.gateway.requests[0].query)

    def test_a_refusal_exits_3_with_its_problem(self) -> None:
        self.gateway.on("GET", "/v1/models/nope", problem(404, "Unknown model", "model 'nope'; models: sentiment"))

        status, out, err = self.inferq("run", "nope", "x")
        self.assertEqual(3, status)
        self.assertIn("404 Unknown model: model 'nope'; models: sentiment", err)
        status, out, _ = self.inferq("--json", "run", "nope", "x")
        self.assertEqual((3, 404), (status, json.loads(out)["status"]))

    def test_a_server_error_or_no_gateway_exits_4(self) -> None:
        self.gateway.on("GET", "/v1/jobs/j1", problem(500, "Internal Server Error", "boom"))
        self.assertEqual(4, self.inferq("get", "j1")[0])
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            closed = f"http://127.0.0.1:{s.getsockname()[1]}"

        status, _, err = self.inferq("--retries", "0", "models", "--gateway", closed)

        self.assertEqual(4, status)
        self.assertIn("INFERQ_URL", err)

    def test_usage_errors_exit_2(self) -> None:
        self.assertEqual(2, self.inferq("nonsense")[0])
        self.assertEqual(2, self.inferq("run")[0])
        self.assertEqual(2, self.inferq("run", "sentiment")[0])
        self.assertEqual(2, self.inferq("submit", "image", "a.jpg", "b.jpg")[0])
        self.assertEqual(2, self.inferq("submit", "image", "/no/such/photo.jpg")[0])
        self.assertEqual(2, self.inferq("models", "--gateway", "localhost:8080")[0])
        self.assertEqual([], self.gateway.to("POST", "/v1/models/image/jobs"))


if __name__ == "__main__":
    unittest.main()
