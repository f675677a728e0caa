#!/usr/bin/env python3
"""Classifies texts with the Python client and prints `label<TAB>score<TAB>text` per text.

    pip install clients/python          # once (see clients/python/README.md)
    python3 examples/python/classify.py sentiment "I loved it" "worst film ever"

The gateway's address comes from INFERQ_URL (default http://localhost:8080), a key from INFERQ_API_KEY. Exit codes:
0 the job SUCCEEDED, 1 it ended otherwise or the gateway refused, 2 wrong usage.
"""
import sys

from inferq import Client, InferqError, is_finished


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: classify.py MODEL TEXT [TEXT...]", file=sys.stderr)
        return 2
    model, texts = argv[0], argv[1:]
    client = Client()
    try:
        # The client makes an Idempotency-Key for the submit, so its retries never create a second job; the gateway
        # answers the finished job at once when it ends within the 10 s it may wait (Prefer: wait).
        job = client.submit_texts(model, texts, wait=10)
        if not is_finished(job):
            job = client.wait(job["id"], timeout=60)
    except InferqError as problem:
        print(f"refused: {problem}", file=sys.stderr)
        return 1
    if job["status"] != "SUCCEEDED":
        print(f"job {job['id']} ended {job['status']}: {job.get('error')}", file=sys.stderr)
        return 1
    for text, prediction in zip(texts, job["predictions"]):
        print(f"{prediction['label']}\t{prediction['score']:.3f}\t{text}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
