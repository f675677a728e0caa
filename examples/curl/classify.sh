#!/usr/bin/env bash
# Classifies texts with curl alone: submits them, follows the job's event stream to its end, prints the result.
#
#   examples/curl/classify.sh sentiment "I loved it" "worst film ever"
#
# The gateway's address comes from INFERQ_URL (default http://localhost:8080), a key from INFERQ_API_KEY (none needed
# under ./run-local). Needs curl and python3 (to build the JSON body and read the answer; jq would do as well).
# Exit codes: 0 the job SUCCEEDED, 1 it ended otherwise or the gateway refused, 2 wrong usage.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 MODEL TEXT [TEXT...]" >&2
  exit 2
fi
model=$1
shift
url=${INFERQ_URL:-http://localhost:8080}
auth=()
[ -n "${INFERQ_API_KEY:-}" ] && auth=(-H "Authorization: Bearer $INFERQ_API_KEY")

body=$(python3 -c 'import json, sys; print(json.dumps({"inputs": sys.argv[1:]}))' "$@")
# An Idempotency-Key makes a retried submit safe: the gateway answers the first job again instead of a second one.
accepted=$(curl -sS --fail-with-body "${auth[@]}" -X POST "$url/v1/models/$model/jobs" \
  -H 'Content-Type: application/json' -H "Idempotency-Key: $(python3 -c 'import uuid; print(uuid.uuid4())')" \
  -d "$body") || { echo "refused: $accepted" >&2; exit 1; }
id=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])' <<<"$accepted")

# One event per status change; the stream ends after the terminal one, whose data is the finished job.
last=$(curl -sSN "${auth[@]}" "$url/v1/jobs/$id/events" | sed -n 's/^data://p' | tail -n 1)
python3 - "$last" <<'PY'
import json, sys
job = json.loads(sys.argv[1])
if job["status"] != "SUCCEEDED":
    print(f'job {job["id"]} ended {job["status"]}: {job.get("error")}', file=sys.stderr)
    sys.exit(1)
for prediction in job["predictions"]:
    print(f'{prediction["label"]}\t{prediction["score"]:.3f}')
PY
