#!/usr/bin/env bash
# Gated writes of two (or more) builds of the server, interleaved: every build is served at once,
# each on its own copy of one seeded database (migrated by that build), and they take turns in
# short wrk bursts (A B B A ...), so slow phases of a noisy machine hit them alike. Prints, per
# build: writes per second over all its bursts, server and PostgreSQL CPU per write, and the
# median and range of the bursts' p99 latency.
#
#   bench/ab-writes.sh draft|auto LABEL=BINARY LABEL=BINARY ...
#
# The first build migrates the database that is seeded, and each copy is then migrated by its own
# build: list the oldest build first (a build refuses a schema newer than its migrations).
# Knobs: BENCH_BURSTS (20), BENCH_BURST_SECS (3), BENCH_CONNECTIONS (32), BENCH_SEED (12),
# BENCH_PG_URL (postgres://postgres@127.0.0.1:5432), BENCH_OUT (target/bench). The dataset is
# seeded by target/release/layers-bench into database layers_ab (copies: layers_ab_1, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
KIND=$1; shift
case $KIND in draft) EXPECT=QUEUE_FOR_APPROVAL ;; auto) EXPECT=ALLOW ;; *) echo "draft or auto, not $KIND" >&2; exit 2 ;; esac
BURSTS=${BENCH_BURSTS:-20}
SECS=${BENCH_BURST_SECS:-3}
CONNS=${BENCH_CONNECTIONS:-32}
PG_BASE=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}
OUT=${BENCH_OUT:-$ROOT/target/bench}/ab
export LAYERS_JWT_SECRET=bench-only-secret-0123456789abcdef0123456789
mkdir -p "$OUT"
TCK=$(getconf CLK_TCK)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
pg_ticks() { # CPU ticks of every PostgreSQL process so far
  local total=0 pid ticks
  for pid in $(pgrep -x postgres); do
    ticks=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$pid/stat" 2>/dev/null) && total=$((total + ticks))
  done
  echo "$total"
}
psql_do() { PGOPTIONS="-c client_min_messages=warning" psql "$PG_BASE/postgres" -qAt "$@"; }
PIDS=()
trap 'for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done' EXIT

labels=() first_bin=${1#*=}
psql_do -c "DROP DATABASE IF EXISTS layers_ab WITH (FORCE)" -c "CREATE DATABASE layers_ab"
LAYERS_DATABASE_URL="$PG_BASE/layers_ab" "$first_bin" migrate > "$OUT/migrate.log" 2>&1
"$ROOT/target/release/layers-bench" seed --database-url "$PG_BASE/layers_ab" --out "$OUT/data" --seed "${BENCH_SEED:-12}" > "$OUT/seed.log" 2>&1
declare -A PID PORT DB
i=0
for spec in "$@"; do
  label=${spec%%=*} bin=${spec#*=}; i=$((i + 1)); labels+=("$label")
  DB[$label]=layers_ab_$i; PORT[$label]=$(free_port)
  psql_do -c "DROP DATABASE IF EXISTS ${DB[$label]} WITH (FORCE)" -c "CREATE DATABASE ${DB[$label]} TEMPLATE layers_ab"
  url="$PG_BASE/${DB[$label]}?sslmode=disable"
  LAYERS_DATABASE_URL=$url "$bin" migrate >> "$OUT/migrate.log" 2>&1
  env LAYERS_DATABASE_URL="$url" LAYERS_LISTEN="127.0.0.1:${PORT[$label]}" LAYERS_SEED_DEMO=never LAYERS_LOG=warn \
    LAYERS_RATE_LIMIT_ORG_PER_MINUTE=0 LAYERS_INSTANCE_ID="ab-$label" LAYERS_OPTIMIZER_INTERVAL_SECS=86400 \
    "$bin" serve > "$OUT/$label.log" 2>&1 &
  PID[$label]=$!; PIDS+=("$!")
done
for label in "${labels[@]}"; do # up, and done with the seeded creatives still being generated
  for _ in $(seq 1 300); do
    [ "$(psql_do -d "${DB[$label]}" -c "SELECT count(*) FROM content_containers WHERE status = 'processing'" 2>/dev/null)" = 0 ] &&
      curl -fs -o /dev/null -X POST -H 'content-type: application/json' -d '{"query":"{__typename}"}' "http://127.0.0.1:${PORT[$label]}/graphql" && break
    sleep 0.2
  done
done

declare -A REQ SRV PG P99
for label in "${labels[@]}"; do REQ[$label]=0; SRV[$label]=0; PG[$label]=0; P99[$label]=""; done
for round in $(seq 1 "$BURSTS"); do
  order=("${labels[@]}")
  if [ $((round % 2)) = 0 ]; then order=(); for ((k = ${#labels[@]} - 1; k >= 0; k--)); do order+=("${labels[$k]}"); done; fi
  for label in "${order[@]}"; do
    pid=${PID[$label]}
    s0=$(awk '{print $14 + $15}' "/proc/$pid/stat"); p0=$(pg_ticks)
    line=$(wrk -t1 -c"$CONNS" -d"${SECS}s" --timeout 30s --latency -s "$ROOT/bench/wrk/writes.lua" \
      "http://127.0.0.1:${PORT[$label]}/graphql" -- "$OUT/data/writes-$KIND.txt" "$EXPECT" 2>>"$OUT/wrk.err" | grep '^{')
    s1=$(awk '{print $14 + $15}' "/proc/$pid/stat"); p1=$(pg_ticks)
    read -r requests p99 bad < <(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["requests"], d["p99_ms"], d["unexpected"] + d["errors"])' "$line")
    [ "$bad" = 0 ] || echo "$label: $bad unexpected answers or errors in burst $round" >&2
    REQ[$label]=$((REQ[$label] + requests)); SRV[$label]=$((SRV[$label] + s1 - s0)); PG[$label]=$((PG[$label] + p1 - p0))
    P99[$label]="${P99[$label]} $p99"
  done
done
for label in "${labels[@]}"; do
  python3 - "$label" "${REQ[$label]}" "${SRV[$label]}" "${PG[$label]}" "$TCK" $((BURSTS * SECS)) "${P99[$label]}" <<'PY'
import statistics, sys
label, requests, srv, pg, tck, secs, p99 = sys.argv[1:]
requests, p99 = max(int(requests), 1), sorted(float(x) for x in p99.split())
per_write = lambda ticks: int(ticks) * 1000 / int(tck) / requests
print(f"{label:10} {requests / int(secs):7.1f} writes/s  {per_write(srv):.3f} ms server + {per_write(pg):.3f} ms PostgreSQL CPU/write"
      f"  p99 median {statistics.median(p99):.1f} ms (bursts {p99[0]:.0f}-{p99[-1]:.0f})")
PY
done
