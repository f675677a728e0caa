#!/usr/bin/python3
"""Turns one load-test run's Locust CSVs into summary.md and chart.png, next to the old system's published figures.

Usage: report.py REPORT_DIR [--prefix locust] [--no-chart]

Reads REPORT_DIR/<prefix>_stats.csv, _stats_history.csv (written with --csv-full-history), _failures.csv (or
the _final_stats.csv / _final_failures.csv that the locustfiles write at the end, when present) and, if present,
run-info.json (written by run-seed-scenario: scenario, settings, machine, command). Writes REPORT_DIR/summary.md
and REPORT_DIR/chart.png (needs matplotlib; skipped with a warning without it).

Seed scenario: the rows POST /api/v1/{disaster,sentiment,image}_classification and Locust's Aggregated row; the
side rows "ASYNC ... (async fallback)" count the 202 answers (already inside the POST rows).
Async scenario: the RESULT rows (time from submit to terminal status, per model and "all models") are compared with
the old system's request latency, since both are what a client waits for its prediction; the submit rows
(POST /v1/models/{model}/jobs) show how fast a job is accepted.
"""
import argparse
import csv
import json
import math
import os
import sys
from datetime import datetime, timezone

# The seed system's published Locust report (its repository's report.html and locust.md): FastAPI service on a
# 2 vCPU / 16 GB Hugging Face Space, 200 users, spawn rate 5/s, constant_pacing(1), about 3 minutes, 2025-04-05.
# Times in ms, as Locust reports them (percentiles rounded by Locust to 2 significant digits).
OLD = {
    "source": "the seed service's published Locust report (FastAPI on a 2 vCPU / 16 GB Hugging Face Space, "
              "200 users, 5/s, constant_pacing(1), ~3 min, 2025-04-05)",
    "rows": {
        "Aggregated": dict(requests=448, failures=4, rps=2.48, avg=54061, p50=63000, p95=92000, p99=99000, max=121977),
        "/api/v1/disaster_classification": dict(requests=151, failures=0, rps=0.84, avg=47722, p50=61000, p95=79000,
                                                p99=88000, max=93491),
        "/api/v1/sentiment_classification": dict(requests=170, failures=0, rps=0.94, avg=47852, p50=61000,
                                                 p95=72000, p99=81000, max=91168),
        "/api/v1/image_classification": dict(requests=127, failures=4, rps=0.70, avg=69909, p50=72000, p95=99000,
                                             p99=102000, max=121977),
    },
    "failure_note": "all 4 on /image_classification (HTTP 500)",
}
ENDPOINTS = ["/api/v1/disaster_classification", "/api/v1/sentiment_classification", "/api/v1/image_classification"]
MODELS = ["disaster", "sentiment", "image"]
MODEL_ENDPOINT = {"disaster": ENDPOINTS[0], "sentiment": ENDPOINTS[1], "image": ENDPOINTS[2]}
FALLBACK_SUFFIX = " (async fallback)"


# ---- reading ------------------------------------------------------------------------------------------------------
def num(value, default=None):
    try:
        f = float(value)
        return default if math.isnan(f) else f
    except (TypeError, ValueError):
        return default


def read_csv(path):
    if not os.path.exists(path):
        return []
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def stat_row(row):
    """A Locust *_stats.csv row as numbers."""
    return dict(
        type=row.get("Type", ""), name=row.get("Name", ""),
        requests=int(num(row.get("Request Count"), 0)), failures=int(num(row.get("Failure Count"), 0)),
        rps=num(row.get("Requests/s"), 0.0), avg=num(row.get("Average Response Time")),
        p50=num(row.get("50%"), num(row.get("Median Response Time"))), p95=num(row.get("95%")),
        p99=num(row.get("99%")), max=num(row.get("Max Response Time")),
    )


def load(report_dir, prefix):
    # _final_*.csv: written by the locustfiles when Locust quits (Locust's own _stats.csv misses the last second)
    def pick(kind):
        final = os.path.join(report_dir, f"{prefix}_final_{kind}.csv")
        return final if os.path.exists(final) else os.path.join(report_dir, f"{prefix}_{kind}.csv")

    stats = [stat_row(r) for r in read_csv(pick("stats"))]
    if not stats:
        raise SystemExit(f"report.py: no {prefix}_stats.csv (or it is empty) in {report_dir}")
    history = read_csv(os.path.join(report_dir, f"{prefix}_stats_history.csv"))
    failures = read_csv(pick("failures"))
    info = {}
    info_path = os.path.join(report_dir, "run-info.json")
    if os.path.exists(info_path):
        with open(info_path, encoding="utf-8") as f:
            info = json.load(f)
    return stats, history, failures, info


def find(stats, type_, name):
    for r in stats:
        if r["name"] == name and (type_ is None or r["type"] == type_):
            return r
    return None


# ---- formatting ---------------------------------------------------------------------------------------------------
def fmt_ms(ms):
    if ms is None:
        return "–"
    if ms < 1000:
        return f"{ms:.0f} ms"
    s = ms / 1000
    return f"{s:.1f} s" if s < 100 else f"{s:.0f} s"


def fmt_int(n):
    return "–" if n is None else f"{int(n):,}".replace(",", " ")


def fmt_rps(x):
    if x is None:
        return "–"
    return f"{x:.2f}" if x < 100 else f"{x:.0f}"


def fmt_fail(failures, requests):
    if failures is None:
        return "–"
    pct = 100.0 * failures / requests if requests else 0.0
    return f"{failures} ({pct:.1f} %)"


def factor(new, old, higher_is_better):
    if not new or not old:
        return ""
    f = new / old if higher_is_better else old / new
    return f"{f:,.0f}x".replace(",", " ") if f >= 10 else f"{f:.1f}x"


def row_cells(r):
    return [fmt_int(r["requests"]), fmt_rps(r["rps"]), fmt_ms(r["p50"]), fmt_ms(r["p95"]), fmt_ms(r["p99"]),
            fmt_ms(r["max"]), fmt_fail(r["failures"], r["requests"])]


def table(header, rows, right_from=1):
    """A Markdown table; columns from index right_from on are right-aligned (numbers)."""
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" if i < right_from else "---:" for i in range(len(header))) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def comparison_table(old, new, new_label, extra_rows=()):
    """Old next to new for one set of figures, with how many times better."""
    rows = []
    spec = [("requests", "requests", fmt_int, True), ("requests/s", "rps", fmt_rps, True),
            ("median (p50)", "p50", fmt_ms, False), ("p95", "p95", fmt_ms, False), ("p99", "p99", fmt_ms, False),
            ("max", "max", fmt_ms, False)]
    for label, key, fmt, higher in spec:
        o, n = old.get(key), new.get(key)
        rows.append([label, fmt(o), fmt(n), factor(n, o, higher)])
    rows.append(["failures", fmt_fail(old["failures"], old["requests"]), fmt_fail(new["failures"], new["requests"]), ""])
    rows += list(extra_rows)
    return table(["", "old FastAPI service", new_label, "inferq vs old"], rows)


# ---- the two kinds of summary -------------------------------------------------------------------------------------
def seed_sections(stats):
    total = find(stats, None, "Aggregated") or dict(requests=0, failures=0, rps=0, p50=None, p95=None, p99=None, max=None)
    fallbacks = {ep: (find(stats, None, ep + FALLBACK_SUFFIX) or {}).get("requests", 0) for ep in ENDPOINTS}
    n_fb = sum(fallbacks.values())
    out = ["## Overall", "",
           comparison_table(OLD["rows"]["Aggregated"], total, "inferq (this run)",
                            [["answered 202 (async fallback, counted as success)", "–", fmt_int(n_fb), ""]]),
           "", "## Per endpoint", ""]
    rows = []
    for ep in ENDPOINTS:
        old = OLD["rows"][ep]
        new = find(stats, "POST", ep) or dict(requests=0, failures=0, rps=0, p50=None, p95=None, p99=None, max=None)
        rows.append([f"`{ep}`", "old"] + row_cells(old) + ["–"])
        rows.append(["", "**inferq**"] + [f"**{c}**" for c in row_cells(new)] + [fmt_int(fallbacks[ep])])
    out += [table(["endpoint", "", "requests", "req/s", "p50", "p95", "p99", "max", "failures", "202 fallback"], rows, right_from=2),
            "", f"Old failures: {OLD['failure_note']}."]
    if n_fb:
        out += ["", f"{n_fb} requests got `202 Accepted` with the job's link because their result took longer than the "
                    "gateway's synchronous wait; they are counted as successes in the rows above, with the time "
                    "until the 202 as their response time."]
    return out


def async_sections(stats):
    empty = dict(requests=0, failures=0, rps=0, p50=None, p95=None, p99=None, max=None)
    allr = find(stats, "RESULT", "all models") or empty
    out = ["## Overall: time to result", "",
           "inferq's figure is the time from the start of the submit to the job's terminal status (what a client "
           "waits for its prediction); the old figure is the synchronous request's response time.", "",
           comparison_table(OLD["rows"]["Aggregated"], allr, "inferq (time to result)"), "",
           "## Per model", ""]
    rows = []
    for m in MODELS:
        old = OLD["rows"][MODEL_ENDPOINT[m]]
        res = find(stats, "RESULT", m) or empty
        rows.append([f"`{m}`", "old (sync request)"] + row_cells(old))
        rows.append(["", "**inferq result**"] + [f"**{c}**" for c in row_cells(res)])
        sub = find(stats, "POST", f"/v1/models/{m}/jobs")
        if sub:
            rows.append(["", "inferq submit (202)"] + row_cells(sub))
    out.append(table(["model", "", "requests", "req/s", "p50", "p95", "p99", "max", "failures"], rows, right_from=2))
    follow = [r for r in stats if r["type"] == "GET" and r["name"].startswith("/v1/jobs/")]
    if follow:
        out += ["", "Following the jobs:", "",
                table(["row", "requests", "req/s", "p50", "p95", "p99", "max", "failures"],
                      [[f"`GET {r['name']}`"] + row_cells(r) for r in follow])]
    return out


def failure_section(failures, limit=10):
    if not failures:
        return ["## Failures", "", "None."]
    rows = sorted(failures, key=lambda r: -int(num(r.get("Occurrences"), 0)))
    body = [[r.get("Method", ""), f"`{r.get('Name', '')}`", str(r.get("Error", "")).replace("|", "\\|")[:160],
             r.get("Occurrences", "")] for r in rows[:limit]]
    out = ["## Failures", "", table(["type", "name", "error", "count"], body, right_from=3)]
    if len(rows) > limit:
        out += ["", f"... and {len(rows) - limit} more kinds (see the `*_failures.csv`)."]
    return out


def setup_section(info):
    m = info.get("machine", {})
    lines = ["## Setup", ""]
    cpu = f"{m.get('nproc', '?')} CPUs" + (f" ({m['cpu_model']})" if m.get("cpu_model") else "")
    mem = f", {m['mem_gb']} GB RAM" if m.get("mem_gb") else ""
    lines.append(f"- Machine: {cpu}{mem}; Locust ran on the same machine as the platform"
                 if info.get("host", "").startswith(("http://127.0.0.1", "http://localhost"))
                 else f"- Load generator: {cpu}{mem}; target {info.get('host', '?')}")
    lines.append(f"- Models: {info.get('models_label') or 'not given (set MODELS_LABEL)'}")
    if info.get("models_served"):
        lines.append(f"- Gateway serves: {info['models_served']}")
    if info.get("git"):
        lines.append(f"- Platform commit: `{info['git']}`")
    settings = [f"{info.get('users', '?')} users", f"spawn {info.get('spawn_rate', '?')}/s",
                f"{info.get('duration', '?')}", "constant_pacing(1)"]
    if info.get("scenario") == "async":
        settings += [f"follow={info.get('follow', 'sse')}", f"image-mode={info.get('image_mode', 'upload')}"]
    lines.append("- Load: " + ", ".join(settings) + f"; samples: {info.get('samples', 'own')}")
    if info.get("locust_version"):
        lines.append(f"- Locust {info['locust_version']}, started {info.get('started', '?')}, "
                     f"exit code {info.get('locust_exit_code', '?')}")
    lines += ["", "## How to reproduce", "", "```bash",
              f"{info.get('platform_command', 'IMAGE_URL_ALLOWLIST=127.0.0.1 ./run-local')}   # first, in another terminal",
              info.get("command", "loadtest/run-seed-scenario"), "```"]
    return lines


def write_summary(report_dir, stats, failures, info, scenario, chart_ok):
    when = info.get("started") or datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    title = {"seed": "seed scenario (the old service's test on the old-compatible API)",
             "async": "async scenario (the old service's load on the native job API)"}[scenario]
    lines = [f"# inferq load test: {title}", "", f"Run: {when}. Old figures: {OLD['source']}.", ""]
    if info.get("interrupted"):
        lines += ["**This run was interrupted (Ctrl-C) before its planned duration; its figures cover less time.**", ""]
    lines += seed_sections(stats) if scenario == "seed" else async_sections(stats)
    lines += [""] + failure_section(failures) + [""] + setup_section(info)
    if chart_ok:
        what = "all requests (Aggregated)" if scenario == "seed" else "time to result, all models"
        lines += ["", "## Over time", "", f"![requests/s and latency over time, {what}](chart.png)"]
    lines += ["", "Full data (not committed): the `*.csv` files and `report.html` in this folder.", ""]
    path = os.path.join(report_dir, "summary.md")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    return path


# ---- chart --------------------------------------------------------------------------------------------------------
def write_chart(report_dir, history, scenario, max_bytes=150 * 1024):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("report.py: matplotlib missing (apt-get install -y python3-matplotlib), no chart", file=sys.stderr)
        return False
    want_type, want_name = ("", "Aggregated") if scenario == "seed" else ("RESULT", "all models")
    rows = [r for r in history if r.get("Name") == want_name and (r.get("Type") or "") == want_type]
    if not rows:
        print(f"report.py: no '{want_name}' rows in the stats history, no chart", file=sys.stderr)
        return False
    t0 = num(rows[0]["Timestamp"], 0)
    t = [num(r["Timestamp"], 0) - t0 for r in rows]
    rps = [num(r.get("Requests/s"), 0.0) for r in rows]
    users = [num(r.get("User Count"), 0.0) for r in rows]

    def pct(col):  # 0 or N/A means "no request in the window": leave a gap
        return [(v / 1000.0 if v else float("nan")) for v in (num(r.get(col)) for r in rows)]

    p50, p95 = pct("50%"), pct("95%")
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(8, 5.2), sharex=True)
    ax1.plot(t, rps, color="tab:blue", lw=1.2, label="requests/s" if scenario == "seed" else "results/s")
    ax1.set_ylabel("per second")
    ax1.grid(alpha=0.3)
    axu = ax1.twinx()
    axu.plot(t, users, color="tab:gray", lw=1, ls="--", label="users")
    axu.set_ylabel("users", color="tab:gray")
    axu.set_ylim(0, max(users + [1]) * 1.1)
    ax1.set_ylim(0, max(rps + [1]) * 1.1)
    h1, l1 = ax1.get_legend_handles_labels()
    h2, l2 = axu.get_legend_handles_labels()
    ax1.legend(h1 + h2, l1 + l2, loc="upper left", fontsize=8)
    ax2.plot(t, p50, color="tab:green", lw=1.2, label="p50")
    ax2.plot(t, p95, color="tab:red", lw=1.2, label="p95")
    ax2.set_ylim(bottom=0)
    ax2.set_ylabel("seconds (last 10 s window)")
    ax2.set_xlabel("seconds since start")
    ax2.grid(alpha=0.3)
    ax2.legend(loc="upper left", fontsize=8)
    fig.suptitle("inferq, " + ("seed scenario: all requests" if scenario == "seed"
                              else "async scenario: time to result, all models"), fontsize=10)
    fig.tight_layout()
    path = os.path.join(report_dir, "chart.png")
    for dpi in (90, 70, 50):
        fig.savefig(path, dpi=dpi)
        if os.path.getsize(path) <= max_bytes:
            break
    plt.close(fig)
    return True


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("report_dir")
    p.add_argument("--prefix", default="locust", help="the --csv prefix Locust was given (default: %(default)s)")
    p.add_argument("--scenario", choices=["seed", "async"], help="default: from run-info.json or the rows")
    p.add_argument("--no-chart", action="store_true")
    a = p.parse_args()
    stats, history, failures, info = load(a.report_dir, a.prefix)
    scenario = a.scenario or info.get("scenario") or ("async" if find(stats, "RESULT", "all models") else "seed")
    chart_ok = False if a.no_chart else write_chart(a.report_dir, history, scenario)
    path = write_summary(a.report_dir, stats, failures, info, scenario, chart_ok)
    print(f"report.py: wrote {path}" + (" and chart.png" if chart_ok else ""))


if __name__ == "__main__":
    main()
