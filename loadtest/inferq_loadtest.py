"""Shared parts of the inferq load-test locustfiles: command-line options, sample loading, small helpers.

Locust puts the locustfile's folder on sys.path, so `import inferq_loadtest` works from both locustfiles.
Every option also has an environment variable (shown in `locust -f locustfile_seed.py --help`).
"""
import json
import logging
import mimetypes
import os
import time

KIT_DIR = os.path.dirname(os.path.abspath(__file__))
OWN_SAMPLES_DIR = os.path.join(KIT_DIR, "samples")
# shared/ lies beside the repository (../shared from the repository root, which is this folder's parent).
DEFAULT_SHARED_DATA_DIR = os.path.normpath(os.path.join(KIT_DIR, "..", "..", "shared", "data"))
# The URL prefix written in samples/image.json; replaced by --image-base-url at load time.
OWN_SAMPLES_URL_PREFIX = "http://127.0.0.1:8099/"
DEFAULT_IMAGE_BASE_URL = "http://127.0.0.1:8099/"


log = logging.getLogger("inferq-loadtest")


def is_finished(job):
    """Whether a job record is terminal: the API sets `finished_at` exactly then (the rule lives in JobStatus)."""
    return isinstance(job, dict) and job.get("finished_at") is not None


class SamplesUnavailable(Exception):
    pass


def add_arguments(parser):
    """Custom Locust options (registered through events.init_command_line_parser)."""
    g = parser.add_argument_group("inferq load test")
    g.add_argument("--shared-data", action="store_true", default=False, env_var="INFERQ_LT_SHARED_DATA",
                   help="use the seed's own samples from shared/data/seed-samples and the images of shared/data/images "
                        "instead of loadtest/samples (the image URLs are rewritten to the local static server)")
    g.add_argument("--shared-data-dir", default=DEFAULT_SHARED_DATA_DIR, env_var="INFERQ_LT_SHARED_DATA_DIR",
                   help="where shared/data is (default: %(default)s)")
    g.add_argument("--image-base-url", default=DEFAULT_IMAGE_BASE_URL, env_var="INFERQ_LT_IMAGE_BASE_URL",
                   help="base URL of the static server that serves images/<name> (default: %(default)s)")
    g.add_argument("--request-timeout", type=float, default=300.0, env_var="INFERQ_LT_REQUEST_TIMEOUT",
                   help="seconds before a single HTTP request is abandoned and counted as failed (default: %(default)s)")
    g.add_argument("--follow", choices=["sse", "poll"], default="sse", env_var="INFERQ_LT_FOLLOW",
                   help="async scenario: follow a job with its event stream or by polling (default: %(default)s)")
    g.add_argument("--poll-interval", type=float, default=0.2, env_var="INFERQ_LT_POLL_INTERVAL",
                   help="async scenario: seconds between polls with --follow poll (default: %(default)s)")
    g.add_argument("--result-timeout", type=float, default=300.0, env_var="INFERQ_LT_RESULT_TIMEOUT",
                   help="async scenario: seconds from submit to a terminal status before the job counts as failed "
                        "(default: %(default)s)")
    g.add_argument("--image-mode", choices=["upload", "url"], default="upload", env_var="INFERQ_LT_IMAGE_MODE",
                   help="async scenario: send images as a multipart upload (field 'file') or as JSON {\"url\": ...} "
                        "pointing at the static server (default: %(default)s)")


def _read_list(path):
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if not isinstance(data, list) or not data:
        raise SamplesUnavailable(f"{path}: expected a non-empty JSON list of request bodies")
    return data


def _check_text_bodies(path, bodies):
    for i, b in enumerate(bodies):
        if not (isinstance(b, dict) and isinstance(b.get("text"), list) and b["text"]
                and all(isinstance(t, str) and t.strip() for t in b["text"])):
            raise SamplesUnavailable(f"{path}[{i}]: expected {{\"user_id\": ..., \"text\": [non-blank strings]}}")


class Samples:
    """Request bodies in the seed's wire format, plus the local image files behind the image URLs."""

    def __init__(self, disaster, sentiment, image, image_files, images_dir, source):
        self.disaster = disaster          # [{"user_id": ..., "text": [...]}]
        self.sentiment = sentiment
        self.image = image                # [{"user_id": ..., "url": ["http://127.0.0.1:PORT/images/NAME"]}]
        self.image_files = image_files    # [(name, bytes, content_type)], for multipart uploads
        self.images_dir = images_dir      # what the static server must serve under /images/
        self.source = source              # "own" or "shared"

    def describe(self):
        return (f"{self.source} samples: {len(self.disaster)} disaster, {len(self.sentiment)} sentiment, "
                f"{len(self.image)} image bodies, {len(self.image_files)} image files from {self.images_dir}")


def _image_files(images_dir, names):
    out = []
    for name in names:
        path = os.path.join(images_dir, name)
        with open(path, "rb") as f:
            data = f.read()
        ctype = mimetypes.guess_type(name)[0] or "application/octet-stream"
        out.append((name, data, ctype))
    return out


def _image_names(images_dir):
    return sorted(n for n in os.listdir(images_dir)
                  if os.path.splitext(n)[1].lower() in (".jpg", ".jpeg", ".png", ".gif", ".bmp"))


def load_samples(options):
    base = options.image_base_url.rstrip("/") + "/"
    if options.shared_data:
        root = options.shared_data_dir
        seed_dir = os.path.join(root, "seed-samples")
        images_dir = os.path.join(root, "images")
        missing = [p for p in (os.path.join(seed_dir, "disaster.json"), os.path.join(seed_dir, "sentiment.json"),
                               os.path.join(seed_dir, "image.json"), images_dir) if not os.path.exists(p)]
        if missing:
            raise SamplesUnavailable("shared data not found: " + ", ".join(missing))
        disaster = _read_list(os.path.join(seed_dir, "disaster.json"))
        sentiment = _read_list(os.path.join(seed_dir, "sentiment.json"))
        seed_images = _read_list(os.path.join(seed_dir, "image.json"))
        names = _image_names(images_dir)
        if not names:
            raise SamplesUnavailable(f"no images in {images_dir}")
        # The seed's URLs point at public hosts, unreachable here: keep each body's user_id, give it a local image
        # (round-robin over the shared images, in name order).
        image = []
        for i, body in enumerate(seed_images):
            image.append({"user_id": str(body.get("user_id", 1000 + i)), "url": [base + "images/" + names[i % len(names)]]})
        source = "shared"
    else:
        images_dir = os.path.join(OWN_SAMPLES_DIR, "images")
        disaster = _read_list(os.path.join(OWN_SAMPLES_DIR, "disaster.json"))
        sentiment = _read_list(os.path.join(OWN_SAMPLES_DIR, "sentiment.json"))
        image = []
        for body in _read_list(os.path.join(OWN_SAMPLES_DIR, "image.json")):
            urls = [u.replace(OWN_SAMPLES_URL_PREFIX, base, 1) for u in body["url"]]
            image.append({**body, "url": urls})
        names = _image_names(images_dir)
        source = "own"
    _check_text_bodies("disaster.json", disaster)
    _check_text_bodies("sentiment.json", sentiment)
    return Samples(disaster, sentiment, image, _image_files(images_dir, names), images_dir, source)


def short(text, limit=200):
    text = (text or "").replace("\n", " ").strip()
    return text if len(text) <= limit else text[:limit] + "..."


def now_ms_since(t0):
    return (time.perf_counter() - t0) * 1000.0


def log_side_entry(environment, method, name, response_time, length=0, error=None):
    """Adds a row to Locust's statistics (CSV, HTML, console) WITHOUT counting it in the 'Aggregated' total.

    Used for rows that are a second view of requests already counted elsewhere (async fallbacks in the seed
    scenario, time-to-result over all models in the async one), so that the overall figures stay exact.
    """
    entry = environment.stats.get(name, method)
    entry.log(response_time, length)
    if error is not None:
        entry.log_error(error)


def describe_response_error(resp):
    """A short, stable failure message (Locust groups failures by message, so keep ids and times out of it)."""
    status = resp.status_code
    if status == 0:
        err = resp.error
        return f"no response: {type(err).__name__}"
    title = None
    try:
        body = resp.json()
        if isinstance(body, dict):
            parts = [body.get("title"), body.get("detail")] if ("title" in body or "detail" in body) else [body.get("error")]
            title = ": ".join(str(p) for p in parts if p)
    except ValueError:
        pass
    if not title:
        title = short(resp.text, 80)
    return f"HTTP {status}: {short(str(title), 120)}"


def write_final_csv(environment, **_kwargs):
    """Writes <csv prefix>_final_stats.csv and _final_failures.csv when Locust quits.

    Locust 2.12 rewrites its _stats.csv once a second and does not write it again at the end, so that file misses
    the last second of the run; these two files (same columns, written by Locust's own StatsCSV) hold the final
    figures, the same as the console summary and report.html. report.py reads them when they exist.
    """
    import csv
    from locust.runners import WorkerRunner
    from locust.stats import PERCENTILES_TO_REPORT, StatsCSV

    prefix = getattr(environment.parsed_options, "csv_prefix", None) if environment.parsed_options else None
    if not prefix or isinstance(environment.runner, WorkerRunner):
        return
    # Locust's own history file is flushed every 10 s and its last rows can be lost at exit: add a last row, flush.
    try:
        import gc
        from locust.stats import StatsCSVFileWriter
        for w in (o for o in gc.get_objects() if isinstance(o, StatsCSVFileWriter)):
            if w.environment is environment and not w.stats_history_csv_filehandle.closed:
                w._stats_history_data_rows(w.stats_history_csv_writer, time.time())
                w.stats_history_csv_filehandle.flush()
    except Exception as e:  # best effort: the final CSVs below are what the report needs
        log.warning("could not flush Locust's stats history: %s", e)
    writer = StatsCSV(environment, PERCENTILES_TO_REPORT)
    with open(prefix + "_final_stats.csv", "w", newline="") as f:
        writer.requests_csv(csv.writer(f))
    with open(prefix + "_final_failures.csv", "w", newline="") as f:
        writer.failures_csv(csv.writer(f))
