#!/usr/bin/python3
"""A stand-in for the inferq gateway, for testing the load-test kit itself (./self-test), never for measurements.

It speaks both APIs with made-up predictions and a small random delay:
- GET /                                   {"Status": "Running"}; GET /v1/models
- POST /api/v1/{disaster,sentiment}_classification, /api/v1/image_classification (old wire format; the image URL is
  really downloaded, so the static server is exercised; every --fallback-every-th request answers 202 instead)
- POST /v1/models/{model}/jobs (JSON {"inputs"} / {"url"}, or multipart "file"), GET /v1/jobs/{id},
  GET /v1/jobs/{id}/events (SSE, chunked, ends after the terminal event); every --fail-every-th job ends FAILED.
Binds 127.0.0.1 only.
"""
import argparse
import itertools
import json
import random
import secrets
import threading
import time
import urllib.request
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

JOBS = {}
LOCK = threading.Lock()
COUNTER = itertools.count(1)
ARGS = None
LABELS = {"disaster": ["not_disaster", "disaster"], "sentiment": ["negative", "positive"]}
IMAGE_LABELS = ["tabby", "tiger cat", "Egyptian cat", "golden retriever", "Labrador retriever"]


def now_iso():
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def job_view(job):
    elapsed = time.time() - job["t0"]
    view = {k: v for k, v in job.items() if k not in ("t0", "duration", "fail")}
    if elapsed < job["duration"] / 3:
        view["status"] = "QUEUED"
    elif elapsed < job["duration"]:
        view["status"] = "RUNNING"
    elif job["fail"]:
        view["status"] = "FAILED"
        view["finished_at"] = now_iso()
        view["error"] = "mock failure"
    else:
        view["status"] = "SUCCEEDED"
        view["finished_at"] = now_iso()
        view["predictions"] = [{"label": "x", "score": 0.5}] * job["input_count"]
    return view


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):  # quiet
        pass

    def _send(self, status, obj, headers=None, ctype="application/json"):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _problem(self, status, detail):
        self._send(status, {"title": {400: "Bad Request", 404: "Not Found", 500: "Internal Server Error"}.get(status, "Error"),
                            "status": status, "detail": detail}, ctype="application/problem+json")

    def _body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def do_GET(self):
        if self.path == "/":
            return self._send(200, {"Status": "Running"})
        if self.path == "/v1/models":
            return self._send(200, {"models": [
                {"name": "disaster", "task": "TEXT_CLASSIFICATION", "labels": LABELS["disaster"]},
                {"name": "image", "task": "IMAGE_CLASSIFICATION", "labels": IMAGE_LABELS},
                {"name": "sentiment", "task": "TEXT_CLASSIFICATION", "labels": LABELS["sentiment"]}]})
        if self.path.startswith("/v1/jobs/"):
            rest = self.path[len("/v1/jobs/"):]
            job_id, _, tail = rest.partition("/")
            with LOCK:
                job = JOBS.get(job_id)
            if job is None:
                return self._problem(404, "unknown job")
            if tail == "":
                return self._send(200, job_view(job))
            if tail == "events":
                return self._events(job)
        self._problem(404, "no such path")

    def _events(self, job):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        last = None
        while True:
            view = job_view(job)
            if view["status"] != last:
                last = view["status"]
                chunk = f"id:{last}\nevent:status\ndata:{json.dumps(view)}\n\n".encode()
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
                if "finished_at" in view:
                    break
            time.sleep(0.02)
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def do_POST(self):
        body = self._body()
        n = next(COUNTER)
        if self.path.startswith("/api/v1/"):
            return self._old_api(body, n)
        if self.path.startswith("/v1/models/") and self.path.endswith("/jobs"):
            model = self.path[len("/v1/models/"):-len("/jobs")]
            if model not in ("disaster", "sentiment", "image"):
                return self._problem(404, "unknown model")
            ctype = self.headers.get("Content-Type", "")
            if model == "image":
                if ctype.startswith("multipart/form-data"):
                    if b'name="file"' not in body:
                        return self._problem(400, "no file part")
                elif ctype.startswith("application/json"):
                    url = json.loads(body).get("url")
                    try:
                        urllib.request.urlopen(url, timeout=5).read()
                    except Exception as e:
                        return self._problem(400, f"cannot download {url}: {e}")
                else:
                    return self._problem(415, "unsupported content type")
                count = 1
            else:
                inputs = json.loads(body).get("inputs")
                if not isinstance(inputs, list) or not inputs:
                    return self._problem(400, "inputs missing")
                count = len(inputs)
            job_id = secrets.token_urlsafe(16)
            job = {"version": 1, "id": job_id, "model": model, "input_count": count, "created_at": now_iso(),
                   "t0": time.time(), "duration": random.uniform(0.05, 0.4),
                   "fail": ARGS.fail_every > 0 and n % ARGS.fail_every == 0}
            with LOCK:
                JOBS[job_id] = job
            return self._send(202, {"id": job_id, "model": model, "status": "QUEUED", "created_at": job["created_at"]},
                              headers={"Location": f"/v1/jobs/{job_id}"})
        self._problem(404, "no such path")

    def _old_api(self, body, n):
        req = json.loads(body)
        time.sleep(random.uniform(0.02, 0.2))
        if ARGS.fallback_every > 0 and n % ARGS.fallback_every == 0:
            return self._send(202, {"id": "fallback", "status": "QUEUED"}, headers={"Location": "/v1/jobs/fallback"})
        if self.path == "/api/v1/image_classification":
            url = req["url"][-1]
            try:
                urllib.request.urlopen(url, timeout=5).read()
            except Exception as e:
                return self._problem(500, f"cannot download {url}: {type(e).__name__}")
            return self._send(200, {"user_id": req.get("user_id"), "url": req["url"], "model_name": "mock-vit",
                                    "label": IMAGE_LABELS, "score": [0.3, 0.2, 0.2, 0.2, 0.1],
                                    "prediction_time": 0.01})
        kind = "disaster" if "disaster" in self.path else "sentiment"
        texts = req["text"]
        return self._send(200, {"user_id": req.get("user_id"), "text": texts, "model_name": f"mock-{kind}",
                                "sentiment": [LABELS[kind][1]] * len(texts), "score": [0.7] * len(texts),
                                "prediction_time": 0.01})


def main():
    global ARGS
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=8097)
    p.add_argument("--fallback-every", type=int, default=10, help="old API: every Nth request answers 202 (0: never)")
    p.add_argument("--fail-every", type=int, default=10, help="native API: every Nth job ends FAILED (0: never)")
    ARGS = p.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    server.daemon_threads = True
    print(f"mock gateway on http://127.0.0.1:{ARGS.port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
