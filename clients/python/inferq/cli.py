"""The ``inferq`` command line.

The gateway is ``$INFERQ_URL`` (default ``http://localhost:8080``) and the key ``$INFERQ_API_KEY``. Tables by
default, the gateway's JSON with ``--json``. Exit status, so that scripts can tell failures apart:

0  done (for ``run``, ``events`` and ``submit``: the job SUCCEEDED, or has not ended yet)
1  the job ended FAILED, CANCELLED or EXPIRED, or ``run`` waited ``--wait`` seconds and it had not ended
2  usage: a wrong option, a missing argument, an image file that cannot be read, a gateway URL that is not one
3  the gateway refused the request: a 4xx (unknown model or job, bad input, no key, a 429 still refused after the
   retries)
4  no answer from the gateway, or a 5xx (a 503 still refused after the retries)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Callable, Optional

from inferq.client import Client, GatewayUnreachable, InferqError, Job, is_finished

EXIT_OK, EXIT_JOB, EXIT_USAGE, EXIT_REFUSED, EXIT_GATEWAY = 0, 1, 2, 3, 4
MAX_PREFER_WAIT = 60
"""The longest ``Prefer: wait`` the gateway honours by default (``inferq.gateway.max-wait``); ``run`` waits the
rest of its ``--wait`` on the job's event stream."""

Handler = Callable[[Client, argparse.Namespace, "Output"], int]


class UsageError(Exception):
    """A command line the parser accepted but that does not make sense for the model (exit status 2)."""


class Output:
    """Writes answers as tables, or as the gateway's JSON with ``--json``."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def json(self, value: Any, compact: bool = False) -> None:
        print(json.dumps(value, ensure_ascii=False, indent=None if compact else 2), flush=True)

    def job(self, job: Job, inputs: Optional[list[str]] = None) -> None:
        """One job: its summary line, then its predictions, if it has any."""
        if self.as_json:
            self.json(job)
            return
        print(_job_line(job))
        if job.get("predictions"):
            print(_predictions_table(job["predictions"], inputs))

    def event(self, job: Job) -> None:
        """One state of a followed job: a JSON line each with ``--json``."""
        if self.as_json:
            self.json(job, compact=True)
        else:
            self.job(job)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Runs one command and answers its exit status."""
    args = _parser().parse_args(argv)
    out = Output(args.json)
    try:
        client = Client(args.gateway, args.api_key, timeout=args.timeout, retries=args.retries)
    except ValueError as e:
        _error(str(e))
        return EXIT_USAGE
    try:
        return args.handler(client, args, out)
    except InferqError as e:
        if out.as_json:
            out.json({"status": e.status, **e.problem})
        _error(str(e))
        return EXIT_REFUSED if e.status < 500 else EXIT_GATEWAY
    except GatewayUnreachable as e:
        _error(f"{e} (is the gateway running? set INFERQ_URL)")
        return EXIT_GATEWAY
    except (UsageError, OSError) as e:  # OSError: an image file that cannot be read (network errors come above)
        _error(str(e))
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def _models(client: Client, args: argparse.Namespace, out: Output) -> int:
    if args.name:
        out.json(client.model(args.name))  # a card is nested data: JSON is its readable form
        return EXIT_OK
    models = client.models()
    if out.as_json:
        out.json({"models": models})  # as the gateway answers it
    else:
        print(_table(["NAME", "TASK", "WEIGHTS", "WORKERS", "LABELS"],
                     [[m["name"], m["task"], m.get("weights") or "", str(len(m.get("workers") or [])),
                       _labels(m["labels"])] for m in models]))
    return EXIT_OK


def _run(client: Client, args: argparse.Namespace, out: Output) -> int:
    deadline = time.monotonic() + args.wait
    job, inputs = _submit_from(client, args, min(args.wait, MAX_PREFER_WAIT))
    if not is_finished(job):
        try:
            job = client.wait(job["id"], max(deadline - time.monotonic(), 0.001))
        except TimeoutError:
            _error(f"job {job['id']} has not finished after {args.wait} s; follow it: inferq events {job['id']}")
            return EXIT_JOB
    out.job(job, inputs)
    return _exit_status(job)


def _submit(client: Client, args: argparse.Namespace, out: Output) -> int:
    job, inputs = _submit_from(client, args, args.wait)
    out.job(job, inputs)
    return _exit_status(job)


def _get(client: Client, args: argparse.Namespace, out: Output) -> int:
    out.job(client.get(args.id))
    return EXIT_OK


def _cancel(client: Client, args: argparse.Namespace, out: Output) -> int:
    out.job(client.cancel(args.id))
    return EXIT_OK


def _events(client: Client, args: argparse.Namespace, out: Output) -> int:
    last: Job = {}
    for last in client.events(args.id, args.last_event_id):
        out.event(last)
    return _exit_status(last)


def _jobs(client: Client, args: argparse.Namespace, out: Output) -> int:
    page = client.jobs(args.model, args.status, args.limit, args.cursor)
    if out.as_json:
        out.json(page)
        return EXIT_OK
    print(_table(["ID", "MODEL", "STATUS", "INPUTS", "CREATED", "FINISHED"],
                 [[j["id"], j.get("model", ""), j["status"], str(j.get("input_count", "")),
                   j.get("created_at") or "", j.get("finished_at") or ""] for j in page["jobs"]]))
    if page.get("next_cursor"):
        _error(f"more: inferq jobs --cursor {page['next_cursor']}")
    return EXIT_OK


def _submit_from(client: Client, args: argparse.Namespace, wait: Optional[int]) -> tuple[Job, list[str]]:
    """Submits what the command line names: ``--url``, an image file for an image model, else texts."""
    options = {"timeout_s": args.timeout_s, "idempotency_key": args.idempotency_key,
               "callback_url": args.callback_url, "wait": wait}
    if args.url:
        if args.inputs:
            raise UsageError("give either --url or inputs, not both")
        return client.submit_image_url(args.model, args.url, **options), [args.url]
    if not args.inputs:
        raise UsageError(f"nothing to submit: give texts, an image file, or --url (inferq {args.command} -h)")
    if client.model(args.model)["task"] == "image-classification":
        if len(args.inputs) != 1:
            raise UsageError(f"model '{args.model}' classifies images: give one image file, or --url")
        return client.submit_image_file(args.model, args.inputs[0], **options), [Path(args.inputs[0]).name]
    return client.submit_texts(args.model, args.inputs, **options), list(args.inputs)


def _exit_status(job: Job) -> int:
    return EXIT_JOB if is_finished(job) and job.get("status") != "SUCCEEDED" else EXIT_OK


def _job_line(job: Job) -> str:
    parts = [job["id"], job.get("model", ""), job["status"]]
    if job.get("queue_position") is not None:
        parts.append(f"position {job['queue_position']}")
    if job.get("eta_s") is not None:
        parts.append(f"eta {job['eta_s']:.1f} s")
    if job.get("cached"):
        parts.append("(cached)")
    if job.get("error"):
        parts.append(f"error: {job['error']}")
    return "  ".join(parts)


def _predictions_table(predictions: list[dict[str, Any]], inputs: Optional[list[str]]) -> str:
    named = inputs is not None and len(inputs) == len(predictions)
    rows = []
    for i, prediction in enumerate(predictions):
        scores = ", ".join(f"{s['label']} {s['score']:.3f}" for s in prediction.get("scores") or [])
        rows.append([str(i + 1)] + ([_clip(inputs[i])] if named else [])
                    + [prediction["label"], f"{prediction['score']:.3f}", scores])
    return _table(["#"] + (["INPUT"] if named else []) + ["LABEL", "SCORE", "SCORES"], rows)


def _table(headers: list[str], rows: list[list[str]]) -> str:
    """Columns aligned on the widest cell; the last one is not padded."""
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
                     for row in [headers, *rows])


def _labels(labels: list[str], shown: int = 5) -> str:
    return ", ".join(labels) if len(labels) <= shown else f"{', '.join(labels[:shown])}, ... ({len(labels)})"


def _clip(text: str, width: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 3] + "..."


def _error(message: str) -> None:
    print(f"inferq: {message}", file=sys.stderr, flush=True)


def _parser() -> argparse.ArgumentParser:
    # The common options are accepted before and after the command (`inferq --json models`, `inferq models --json`):
    # the subcommands' copies default to SUPPRESS, so that they only set what was given there.
    def common(suppress: bool) -> argparse.ArgumentParser:
        parser = argparse.ArgumentParser(add_help=False)
        default: Callable[[Any], Any] = (lambda value: argparse.SUPPRESS) if suppress else (lambda value: value)
        parser.add_argument("--gateway", metavar="URL", default=default(None),
                            help="the gateway (default: $INFERQ_URL, else http://localhost:8080)")
        parser.add_argument("--api-key", metavar="KEY", default=default(None),
                            help="the API key (default: $INFERQ_API_KEY; the environment keeps it out of ps)")
        parser.add_argument("--json", action="store_true", default=default(False),
                            help="print the gateway's JSON instead of tables")
        parser.add_argument("--timeout", type=float, metavar="S", default=default(30.0),
                            help="seconds each connect and read may take (default 30)")
        parser.add_argument("--retries", type=int, metavar="N", default=default(3),
                            help="retries on connection errors, 429 and 503 (default 3)")
        return parser

    parser = argparse.ArgumentParser(prog="inferq", parents=[common(False)],
                                     description="Submit and follow inference jobs on an inferq gateway.",
                                     epilog="exit status: 0 ok, 1 the job FAILED/CANCELLED/EXPIRED or is not done"
                                            " in time, 2 usage, 3 refused (4xx), 4 no gateway or a 5xx")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    shared = [common(True)]

    def command(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, parents=shared, help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    models = command("models", _models, "list the models, or show one model's card")
    models.add_argument("name", nargs="?", help="a model: print its card")

    def submit_arguments(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("model", help="the model, as `inferq models` lists them")
        sub.add_argument("inputs", nargs="*", metavar="INPUT",
                         help="texts for a text model; one image file for an image model")
        sub.add_argument("--url", help="an image URL the gateway downloads, instead of INPUT")
        sub.add_argument("--timeout-s", type=int, metavar="S",
                         help="a worker must start the job within S seconds, or it ends EXPIRED")
        sub.add_argument("--idempotency-key", metavar="KEY",
                         help="the same key returns the same job (default: a new one per command)")
        sub.add_argument("--callback-url", metavar="URL", help="the gateway POSTs the finished job here")

    run = command("run", _run, "submit, wait for the result and print it")
    submit_arguments(run)
    run.add_argument("--wait", type=int, default=60, metavar="S", help="seconds to wait for the result (default 60)")
    submit = command("submit", _submit, "submit a job and print its id")
    submit_arguments(submit)
    submit.add_argument("--wait", type=int, metavar="S",
                        help="let the gateway answer the finished job if it ends within S s (at most its max-wait)")
    get = command("get", _get, "show a job")
    get.add_argument("id")
    events = command("events", _events, "follow a job until it ends, one line per status change")
    events.add_argument("id")
    events.add_argument("--last-event-id", metavar="ID", help="resume after this event id")
    cancel = command("cancel", _cancel, "cancel a job that no worker has started")
    cancel.add_argument("id")
    jobs = command("jobs", _jobs, "list your jobs, newest first")
    jobs.add_argument("--model", help="only this model's jobs")
    jobs.add_argument("--status", type=str.upper, help="only jobs with this status (the gateway names the valid ones)")
    jobs.add_argument("--limit", type=int, metavar="N", help="at most N jobs")
    jobs.add_argument("--cursor", help="the page after this cursor (printed under a full page)")
    return parser
