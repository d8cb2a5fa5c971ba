#!/usr/bin/env bash
# wrk.sh measures the API's throughput under wrk on loopback: call detail,
# agent and team reports and a call listing. It starts its own
# redis-server and MinIO (the build scripts/test.sh caches) with temporary
# data, a worker and `callqa serve`, uploads N generated calls through
# POST /v1/calls, waits until all are scored, then runs wrk against each
# endpoint. Everything it started is stopped at the end.
#
# Usage: bash api/bench/wrk.sh            (N=5000 calls, 20 s per endpoint)
#        N=2000 DURATION=10s bash api/bench/wrk.sh
# Needs: redis-server, redis-cli, curl, python3, wrk (apt-get install wrk).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
N=${N:-5000}
DURATION=${DURATION:-20s}
MINIO_VERSION=$(sed -n 's/^MINIO_VERSION=//p' "$repo/scripts/test.sh")
MINIO_BIN=${CALLQA_TEST_MINIO_BIN:-${CALLQA_CACHE_DIR:-$HOME/.cache/callqa}/bin/minio-$MINIO_VERSION}
[[ -x $MINIO_BIN ]] || { echo "no MinIO build at $MINIO_BIN: run scripts/test.sh once" >&2; exit 1; }
for tool in redis-server redis-cli curl python3 wrk; do
	command -v $tool >/dev/null || { echo "$tool is missing" >&2; exit 1; }
done
run=$(mktemp -d "${TMPDIR:-/tmp}/callqa-wrk.XXXXXX")
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
REDIS_PORT=$(port) MINIO_PORT=$(port) API=127.0.0.1:$(port)
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$run"; }
trap cleanup EXIT
mkdir -p "$run/redis" "$run/minio"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$run/redis" --save "" --appendonly no >"$run/redis.log" 2>&1 &
pids+=($!)
access=bench-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
secret=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
env MINIO_ROOT_USER="$access" MINIO_ROOT_PASSWORD="$secret" MINIO_BROWSER=off \
	MINIO_NOTIFY_REDIS_ENABLE_PRIMARY=on MINIO_NOTIFY_REDIS_ADDRESS_PRIMARY=127.0.0.1:$REDIS_PORT \
	MINIO_NOTIFY_REDIS_KEY_PRIMARY=callqa:minio-events MINIO_NOTIFY_REDIS_FORMAT_PRIMARY=access \
	"$MINIO_BIN" server --address 127.0.0.1:$MINIO_PORT "$run/minio" >"$run/minio.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do curl -sf "http://127.0.0.1:$MINIO_PORT/minio/health/ready" >/dev/null && break; sleep 0.3; done
(cd "$repo" && go build -o "$run/callqa" ./cmd/callqa)
export CALLQA_REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0 CALLQA_MINIO_ENDPOINT=127.0.0.1:$MINIO_PORT \
	CALLQA_MINIO_ACCESS_KEY=$access CALLQA_MINIO_SECRET_KEY=$secret \
	CALLQA_AUTH_FILE=$run/auth.json CALLQA_LISTEN=$API CALLQA_LOG_LEVEL=warn
token=$("$run/callqa" token --name bench --role admin --team '*' --add "$run/auth.json" | head -1)
"$run/callqa" work --workers 2 --listen "" >"$run/work.log" 2>&1 &
pids+=($!)
"$run/callqa" serve >"$run/serve.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do curl -sf "http://$API/readyz" >/dev/null && break; sleep 0.3; done
"$run/callqa" gen -n "$N" -o "$run/calls" --seed 7 --unit sgcc-hz >/dev/null
find "$run/calls" -name '*.json' -print0 | xargs -0 -P 8 -I{} \
	curl -sf -o /dev/null -X POST -H "Authorization: Bearer $token" --data-binary @{} "http://$API/v1/calls"
for _ in $(seq 1200); do
	[[ $(redis-cli -p "$REDIS_PORT" zcard 'callqa:{sgcc-hz}:idx:time') -ge $N ]] && break
	sleep 1
done
echo "scored calls: $(redis-cli -p "$REDIS_PORT" zcard 'callqa:{sgcc-hz}:idx:time')"
id=$(redis-cli -p "$REDIS_PORT" zrange 'callqa:{sgcc-hz}:idx:score' 0 0)
call=$(curl -sf -H "Authorization: Bearer $token" "http://$API/v1/calls/$id")
agent=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["agent_id"])' "$call")
team=$(python3 -c 'import json,sys,urllib.parse; print(urllib.parse.quote(json.loads(sys.argv[1])["team"]))' "$call")
for path in "/v1/calls/$id" "/v1/agents/$agent/report?from=2026-11-01&to=2026-11-30" \
	"/v1/teams/$team/report?from=2026-11-01&to=2026-11-30" "/v1/calls?limit=50"; do
	echo "=== wrk -t2 -c16 -d$DURATION --latency http://$API$path"
	wrk -t2 -c16 -d"$DURATION" --latency -H "Authorization: Bearer $token" "http://$API$path" |
		grep -E "Requests/sec|Latency  |50%|99%|requests in|Non-2xx"
done
