#!/usr/bin/python3
"""Draws bench/target/results/saturation.png from results.json: completed jobs/s and p95 latency per offered rate."""
import json
import os
import sys

results_dir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "target", "results")
try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("[bench] no chart: matplotlib is missing (apt-get install -y python3-matplotlib)")
    sys.exit(0)

with open(os.path.join(results_dir, "results.json")) as f:
    results = json.load(f)
steps = [s["result"] for s in results.get("steps") or []]
if not steps:
    print("[bench] no chart: no saturation steps in this run")
    sys.exit(0)

offered = [s["offered_per_sec"] for s in steps]
done = [s["completed_per_sec"] for s in steps]
p95 = [s["latency"]["p95_ms"] for s in steps]
engine = results["summary"]["engine_text_batched_per_sec"]

fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 7), sharex=True)
top.plot(offered, done, "o-", label="completed jobs/s")
top.plot(offered, offered, ":", color="gray", label="offered")
top.set_ylabel("jobs/s (1 text each)")
top.legend()
top.grid(alpha=0.3)
bottom.plot(offered, p95, "o-", color="darkorange", label="p95 latency")
bottom.set_yscale("log")
bottom.set_xlabel("offered jobs/s (open loop)")
bottom.set_ylabel("p95 ms")
bottom.grid(alpha=0.3)
bottom.legend()
engine_note = f", engine-bound batch 32: {engine:.0f}/s" if isinstance(engine, (int, float)) else ""
fig.suptitle(f"inferq {results['settings']['text_model']} end to end (POST + SSE){engine_note}")
fig.tight_layout()
out = os.path.join(results_dir, "saturation.png")
fig.savefig(out, dpi=110)
print(f"[bench] chart {out}")
