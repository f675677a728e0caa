"""Async scenario: the same load shape as the seed test, on inferq's native job API.

Each task submits one job (POST /v1/models/{model}/jobs: JSON {"inputs": [...]} for the text models, a multipart
upload field "file" or JSON {"url": ...} for the image model) and then follows it to its terminal status, either
through its event stream (GET /v1/jobs/{id}/events, the default) or by polling GET /v1/jobs/{id} every 200 ms
(--follow poll). Same pacing as the seed test: constant_pacing(1), so a user submits again at most once a second
and never while its previous job is still open.

Rows in Locust's statistics:
- POST /v1/models/{model}/jobs       the submit; success = 202 with an id.
- GET  /v1/jobs/{id}/events          the whole stream, from request to terminal event (--follow sse).
- GET  /v1/jobs/{id}                 each poll (--follow poll; also the fallback when a stream ends early).
- RESULT {disaster,sentiment,image}  time to result: from the start of the submit to the terminal status.
                                     Failure when the job ends FAILED (or CANCELLED/EXPIRED), the submit was
                                     refused, or no terminal status came within --result-timeout.
- RESULT all models                  the same over all three models; a side row, not counted in Aggregated.
Locust's own "Aggregated" row mixes submits, streams and results: read the RESULT rows (report.py does).
"""
import json
import random
import sys
import time
from urllib.parse import urlparse

import gevent
from locust import HttpUser, constant_pacing, events, task

import inferq_loadtest as kit

SAMPLES = None
RESULT = "RESULT"
ALL_MODELS = "all models"
EVENTS_NAME = "/v1/jobs/{id}/events"
POLL_NAME = "/v1/jobs/{id}"


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
        sys.stderr.write(f"locustfile_async: {e}\n")
        sys.exit(2)
    o = environment.parsed_options
    kit.log.info("async scenario, follow=%s, image-mode=%s, %s", o.follow, o.image_mode, SAMPLES.describe())


class JobFailed(Exception):
    pass


class AsyncUser(HttpUser):
    wait_time = constant_pacing(1)

    # ---- tasks -------------------------------------------------------------------------------------------------
    @task
    def disaster(self):
        body = random.choice(SAMPLES.disaster)
        self._job("disaster", len(body["text"]), json={"inputs": body["text"]})

    @task
    def sentiment(self):
        body = random.choice(SAMPLES.sentiment)
        self._job("sentiment", len(body["text"]), json={"inputs": body["text"]})

    @task
    def image(self):
        if self.environment.parsed_options.image_mode == "url":
            body = random.choice(SAMPLES.image)
            self._job("image", 1, json={"url": body["url"][-1]})
        else:
            name, data, ctype = random.choice(SAMPLES.image_files)
            self._job("image", 1, files={"file": (name, data, ctype)})

    # ---- one job, end to end -----------------------------------------------------------------------------------
    def _job(self, model, n_inputs, **payload):
        opts = self.environment.parsed_options
        t0 = time.perf_counter()
        deadline = t0 + opts.result_timeout
        path = f"/v1/models/{model}/jobs"
        job_path = None
        with self.client.post(path, name=path, catch_response=True, timeout=opts.request_timeout, **payload) as resp:
            if resp.status_code == 202:
                try:
                    job = resp.json()
                    job_path = urlparse(resp.headers.get("Location") or f"/v1/jobs/{job['id']}").path
                    resp.success()
                except (ValueError, KeyError, TypeError):
                    resp.failure("202 without a job id")
            else:
                resp.failure(kit.describe_response_error(resp))
        if job_path is None:
            self._result(model, t0, 0, JobFailed("submit refused"))
            return

        final = None
        if opts.follow == "sse":
            final = self._follow_events(job_path, deadline)
        if final is None and time.perf_counter() < deadline:
            final = self._poll(job_path, deadline)

        if final is None:
            self._result(model, t0, 0, JobFailed(f"no terminal status within {opts.result_timeout:g} s"))
        elif final.get("status") != "SUCCEEDED":
            reason = kit.short(str(final.get("error") or ""), 100)
            self._result(model, t0, 0, JobFailed(f"job {final.get('status')}" + (f": {reason}" if reason else "")))
        else:
            preds = final.get("predictions")
            if not isinstance(preds, list) or len(preds) != n_inputs:
                got = len(preds) if isinstance(preds, list) else "no"
                self._result(model, t0, 0, JobFailed(f"SUCCEEDED with {got} predictions for {n_inputs} inputs"))
            else:
                self._result(model, t0, len(json.dumps(preds)), None)

    def _result(self, model, t0, length, error):
        elapsed = kit.now_ms_since(t0)
        self.environment.events.request.fire(request_type=RESULT, name=model, response_time=elapsed,
                                             response_length=length, exception=error, context={})
        kit.log_side_entry(self.environment, RESULT, ALL_MODELS, elapsed, length, error)

    # ---- following ---------------------------------------------------------------------------------------------
    def _follow_events(self, job_path, deadline):
        """Reads the job's event stream until a terminal status; None when the stream gave none (then we poll)."""
        opts = self.environment.parsed_options
        t0 = time.perf_counter()
        final, nbytes = None, 0
        # read timeout: the gateway sends a keep-alive comment every 15 s on an idle stream
        with self.client.get(job_path + "/events", name=EVENTS_NAME, stream=True, catch_response=True,
                             headers={"Accept": "text/event-stream"}, timeout=(10, 60)) as resp:
            if resp.status_code != 200:
                resp.failure(kit.describe_response_error(resp))
                return None
            data = []
            try:
                for line in resp.iter_lines(decode_unicode=True):
                    nbytes += len(line) + 1
                    if line == "":
                        final = _terminal(data)
                        data = []
                        if final is not None:
                            break
                    elif line.startswith("data:"):
                        data.append(line[5:][1:] if line[5:6] == " " else line[5:])
                    if time.perf_counter() > deadline:
                        break
                else:
                    final = _terminal(data)  # a last event without its blank line
            except Exception as e:  # a broken or timed-out stream
                resp.request_meta["response_time"] = kit.now_ms_since(t0)
                resp.failure(f"stream broken: {type(e).__name__}")
                resp.close()
                return None
            resp.close()
            resp.request_meta["response_time"] = kit.now_ms_since(t0)
            resp.request_meta["response_length"] = nbytes
            if final is None:
                resp.failure("stream ended without a terminal status" if time.perf_counter() <= deadline
                             else "no terminal status before the result timeout")
            else:
                resp.success()
        return final

    def _poll(self, job_path, deadline):
        opts = self.environment.parsed_options
        while True:
            with self.client.get(job_path, name=POLL_NAME, catch_response=True, timeout=opts.request_timeout) as resp:
                if resp.status_code == 200:
                    try:
                        job = resp.json()
                        resp.success()
                    except ValueError:
                        job = None
                        resp.failure("200 but the body is not JSON")
                    if kit.is_finished(job):
                        return job
                elif resp.status_code in (404, 410):
                    resp.failure(kit.describe_response_error(resp))
                    return {"status": "FAILED", "error": f"job vanished (HTTP {resp.status_code})"}
                else:
                    resp.failure(kit.describe_response_error(resp))
            if time.perf_counter() + opts.poll_interval > deadline:
                return None
            gevent.sleep(opts.poll_interval)


def _terminal(data_lines):
    if not data_lines:
        return None
    try:
        job = json.loads("\n".join(data_lines))
    except ValueError:
        return None
    if kit.is_finished(job):
        return job
    return None
