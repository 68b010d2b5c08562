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
source bench/ab-common.sh

labels=()
seed_pg layers_ab "${1#*=}"
declare -A DBNAME
i=0
for spec in "$@"; do
  label=${spec%%=*} bin=${spec#*=}; i=$((i + 1)); labels+=("$label")
  DBNAME[$label]=layers_ab_$i
  serve "$label" "$bin" "$(copy_pg layers_ab "${DBNAME[$label]}" "$bin")"
done
for label in "${labels[@]}"; do
  ready "$label" processing_pg "${DBNAME[$label]}"
done

declare -A REQ SRV PG P99
for label in "${labels[@]}"; do REQ[$label]=0; SRV[$label]=0; PG[$label]=0; P99[$label]=""; done
for round in $(seq 1 "$BURSTS"); do
  for label in $(alternating "$round" "${labels[@]}"); do
    pid=${PID[$label]}
    s0=$(server_ticks "$pid"); p0=$(pg_ticks)
    line=$(wrk -t1 -c"$CONNS" -d"${SECS}s" --timeout 30s --latency -s "$ROOT/bench/wrk/writes.lua" \
      "http://127.0.0.1:${PORT[$label]}/graphql" -- "$OUT_AB/data/writes-$KIND.txt" "$EXPECT" 2>>"$OUT_AB/wrk.err" | grep '^{')
    s1=$(server_ticks "$pid"); p1=$(pg_ticks)
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
