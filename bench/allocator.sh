#!/usr/bin/env bash
# The memory stage for one server binary under a given environment, e.g. another allocator:
#   bash bench/allocator.sh LABEL BINARY [NAME=VALUE ...]
#   bash bench/allocator.sh jemalloc target/release/layers-dashboard \
#     LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 MALLOC_CONF=background_thread:true
# Serves BINARY (with the NAME=VALUE environment) on the database bench/run.sh seeded, opens
# 1,000 then 10,000 subscribers (BENCH_EVENTS events each, default 2) and samples the server's
# VmRSS every second until 15 s after they close: $BENCH_OUT/allocator-LABEL.{json,rss}.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${BENCH_OUT:-target/bench}
PG_URL=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}/${BENCH_PG_DB:-layers_bench}
LABEL=$1 SERVER=$2; shift 2
export LAYERS_JWT_SECRET=bench-only-secret-0123456789abcdef0123456789
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
mkdir -p "$OUT/logs"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
env LAYERS_DATABASE_URL="$PG_URL" LAYERS_LISTEN="127.0.0.1:$PORT" LAYERS_SEED_DEMO=never LAYERS_LOG=warn \
  LAYERS_RATE_LIMIT_ORG_PER_MINUTE=0 LAYERS_RATE_LIMIT_SUBSCRIBE_PER_MINUTE=0 LAYERS_WS_MAX_CONNECTIONS_PER_ORG=20000 \
  LAYERS_INSTANCE_ID="allocator-$LABEL" LAYERS_OPTIMIZER_INTERVAL_SECS=86400 "$@" "$SERVER" serve \
  > "$OUT/logs/allocator-$LABEL.log" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/healthz" && break; sleep 0.2; done
sleep 2
(while kill -0 "$PID" 2>/dev/null; do echo "$(date +%s) $(awk '/VmRSS/{print $2}' "/proc/$PID/status")"; sleep 1; done) \
  > "$OUT/allocator-$LABEL.rss" &
TOKEN=$(head -1 "$OUT/data-pg/tokens.txt")
CAMPAIGN=$(awk -F'\t' -v t="$TOKEN" '$1 == t {print $2; exit}' "$OUT/data-pg/writes-draft.txt")
target/release/layers-bench fanout --servers "127.0.0.1:$PORT" --pids "$PID" --token "$TOKEN" --campaign "$CAMPAIGN" \
  --stages 1000,10000 --events "${BENCH_EVENTS:-2}" > "$OUT/allocator-$LABEL.json"
sleep 5
cat "$OUT/allocator-$LABEL.json"
