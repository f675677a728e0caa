"""Seed scenario: the old synchronous service's own Locust test, replayed against inferq's old-compatible API.

Same shape as the seed's locustfile: one user class, `constant_pacing(1)`, three equally weighted tasks that
each POST a random sample body in the old wire format to /api/v1/{disaster,sentiment,image}_classification.
The runner sets 200 users, 5 spawned per second, 3 minutes (see run-seed-scenario).

Counting:
- 200 with the expected fields: success.
- 202 (the result took longer than the gateway's wait, so it answered with the job's link): success, because the
  request was accepted and will be answered; it is ALSO logged in a side row
  "ASYNC <path> (async fallback)" that is not part of the Aggregated total, so the report can show how many.
- anything else (non-2xx, a 200 without the expected fields, a connection error or a timeout): failure.

Run alone:  locust -f loadtest/locustfile_seed.py --host http://127.0.0.1:8080 (and a static server for the images;
run-seed-scenario does all of it).
"""
import random
import sys

from locust import HttpUser, constant_pacing, events, task

import inferq_loadtest as kit

SAMPLES = None

ENDPOINTS = {
    # task key: (path, field that holds the labels in a 200 answer, field of the inputs)
    "disaster": ("/api/v1/disaster_classification", "sentiment", "text"),
    "sentiment": ("/api/v1/sentiment_classification", "sentiment", "text"),
    "image": ("/api/v1/image_classification", "label", "url"),
}
FALLBACK_METHOD = "ASYNC"


def fallback_name(path):
    return f"{path} (async fallback)"


@events.init_command_line_parser.add_listener
def _add_arguments(parser):
    kit.add_arguments(parser)


events.quitting.add_listener(kit.write_final_csv)


@events.init.add_listener
def _load(environment, **_kwargs):
    global SAMPLES
    try:
        SAMPLES = kit.load_samples(environment.parsed_options)
    except kit.SamplesUnavailable as e:
        sys.stderr.write(f"locustfile_seed: {e}\n")
        sys.exit(2)
    kit.log.info("seed scenario, %s", SAMPLES.describe())


def _check_body(resp, label_field, n_inputs):
    try:
        body = resp.json()
    except ValueError:
        return "200 but the body is not JSON: " + kit.short(resp.text)
    if not isinstance(body, dict):
        return "200 but the body is not a JSON object"
    for field in (label_field, "score"):
        if not isinstance(body.get(field), list) or not body[field]:
            return f"200 but '{field}' is missing or empty"
    if label_field == "sentiment" and len(body["sentiment"]) != n_inputs:
        return f"200 but {len(body['sentiment'])} predictions for {n_inputs} texts"
    return None


class SeedUser(HttpUser):
    wait_time = constant_pacing(1)

    def _post(self, key):
        path, label_field, input_field = ENDPOINTS[key]
        body = random.choice(getattr(SAMPLES, key))
        timeout = self.environment.parsed_options.request_timeout
        with self.client.post(path, json=body, name=path, catch_response=True, timeout=timeout) as resp:
            status = resp.status_code
            if status == 200:
                problem = _check_body(resp, label_field, len(body[input_field]))
                if problem:
                    resp.failure(problem)
                else:
                    resp.success()
            elif status == 202:
                resp.success()
                kit.log_side_entry(self.environment, FALLBACK_METHOD, fallback_name(path),
                                   resp.request_meta["response_time"], resp.request_meta.get("response_length", 0))
            else:
                resp.failure(kit.describe_response_error(resp))

    @task
    def disaster(self):
        self._post("disaster")

    @task
    def sentiment(self):
        self._post("sentiment")

    @task
    def image(self):
        self._post("image")
