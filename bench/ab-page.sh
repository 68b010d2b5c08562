#!/usr/bin/env bash
# The dashboard page (bench/page.graphql) of two (or more) builds of the server, on PostgreSQL and
# on SQLite, interleaved: every build is served on both at once, each target on its own copy of
# one seeded dataset (migrated by that build), and the targets take turns in wrk rounds (A B B A
# ...), so slow phases of a noisy machine hit them alike. Stops unless every target answers the
# same JSON. Prints, per target: pages per second over all its rounds, and server and PostgreSQL
# CPU per page.
#
#   bench/ab-page.sh LABEL=BINARY LABEL=BINARY ...
#
# List the oldest build first (it migrates the datasets that are seeded; each copy is then
# migrated by its own build). Knobs: BENCH_ROUNDS (4), BENCH_ROUND_SECS (5), BENCH_CONNECTIONS
# (32), BENCH_BACKENDS (pg,sqlite), BENCH_SEED (12), BENCH_PG_URL, BENCH_OUT (target/bench). The
# datasets: database layers_abp (copies layers_abp_1, ...) and target/bench/ab/page.db (copies
# page-1.db, ...), seeded by target/release/layers-bench.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ROUNDS=${BENCH_ROUNDS:-4}
SECS=${BENCH_ROUND_SECS:-5}
CONNS=${BENCH_CONNECTIONS:-32}
BACKENDS=${BENCH_BACKENDS:-pg,sqlite}
source bench/ab-common.sh

first=${1#*=}
python3 -c 'import json,sys; print(json.dumps({"query": open(sys.argv[1]).read()}))' bench/page.graphql > "$OUT_AB/page-body.json"
declare -A TOKEN
targets=()
if [[ $BACKENDS == *pg* ]]; then
  seed_pg layers_abp "$first"
  TOKEN[pg]=$(head -1 "$OUT_AB/data/tokens.txt")
fi
if [[ $BACKENDS == *sqlite* ]]; then
  rm -f "$OUT_AB"/page*.db*
  LAYERS_DATABASE_URL="sqlite://$OUT_AB/page.db?mode=rwc" "$first" migrate >> "$OUT_AB/migrate.log" 2>&1
  "$ROOT/target/release/layers-bench" seed --database-url "sqlite://$OUT_AB/page.db?mode=rwc" --out "$OUT_AB/data-sqlite" \
    --seed "${BENCH_SEED:-12}" >> "$OUT_AB/seed.log" 2>&1
  TOKEN[sqlite]=$(head -1 "$OUT_AB/data-sqlite/tokens.txt")
fi
i=0
for spec in "$@"; do
  label=${spec%%=*} bin=${spec#*=}; i=$((i + 1))
  if [[ $BACKENDS == *pg* ]]; then
    serve "$label-pg" "$bin" "$(copy_pg layers_abp "layers_abp_$i" "$bin")"
    targets+=("$label-pg"); ready "$label-pg" processing_pg "layers_abp_$i"
  fi
  if [[ $BACKENDS == *sqlite* ]]; then
    python3 -c 'import sqlite3, sys; sqlite3.connect(sys.argv[1]).backup(sqlite3.connect(sys.argv[2]))' "$OUT_AB/page.db" "$OUT_AB/page-$i.db"
    LAYERS_DATABASE_URL="sqlite://$OUT_AB/page-$i.db" "$bin" migrate >> "$OUT_AB/migrate.log" 2>&1
    serve "$label-sqlite" "$bin" "sqlite://$OUT_AB/page-$i.db"
    targets+=("$label-sqlite"); ready "$label-sqlite" processing_sqlite "$OUT_AB/page-$i.db"
  fi
done

token_of() { echo "${TOKEN[${1##*-}]}"; }
for target in "${targets[@]}"; do
  curl -fsS -X POST -H 'content-type: application/json' -H "Authorization: Bearer $(token_of "$target")" \
    --data-binary @"$OUT_AB/page-body.json" "http://127.0.0.1:${PORT[$target]}/graphql" > "$OUT_AB/page-$target.json"
  "$ROOT/target/release/layers-bench" same-json "$OUT_AB/page-${targets[0]}.json" "$OUT_AB/page-$target.json"
done

declare -A REQ SRV PG
for target in "${targets[@]}"; do REQ[$target]=0; SRV[$target]=0; PG[$target]=0; done
for round in $(seq 1 "$ROUNDS"); do
  for target in $(alternating "$round" "${targets[@]}"); do
    pid=${PID[$target]}
    s0=$(server_ticks "$pid"); p0=$(pg_ticks)
    line=$(wrk -t1 -c"$CONNS" -d"${SECS}s" --timeout 30s --latency -s "$ROOT/bench/wrk/post.lua" \
      "http://127.0.0.1:${PORT[$target]}/graphql" -- "$OUT_AB/page-body.json" "$(token_of "$target")" 2>>"$OUT_AB/wrk.err" | grep '^{')
    s1=$(server_ticks "$pid"); p1=$(pg_ticks)
    read -r requests errors < <(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); print(d["requests"], d["errors"])' "$line")
    [ "$errors" = 0 ] || echo "$target: $errors errors in round $round" >&2
    REQ[$target]=$((REQ[$target] + requests)); SRV[$target]=$((SRV[$target] + s1 - s0)); PG[$target]=$((PG[$target] + p1 - p0))
  done
done
for target in "${targets[@]}"; do
  python3 - "$target" "${REQ[$target]}" "${SRV[$target]}" "${PG[$target]}" "$TCK" $((ROUNDS * SECS)) <<'PY'
import sys
target, requests, srv, pg, tck, secs = sys.argv[1:]
requests = max(int(requests), 1)
per_page = lambda ticks: int(ticks) * 1000 / int(tck) / requests
print(f"{target:16} {requests / int(secs):7.1f} pages/s  {per_page(srv):.2f} ms server + {per_page(pg):.2f} ms PostgreSQL CPU/page")
PY
done
