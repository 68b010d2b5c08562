#!/usr/bin/env bash
# The Layers dashboard benchmark (BENCHMARKS.md): seeds the dataset on PostgreSQL and SQLite,
# serves this server (release build), the hand-written reference and PostGraphile v5 side by
# side on free ports, checks that the server and the reference answer the same JSON, then times
# interleaved rounds and writes target/bench/report.md (figures, ratios, machine, commands).
#
# Knobs (environment):
#   BENCH_PARTS        what to run, comma-separated: page,writes,fanout,memory (default: all)
#   BENCH_DURATION     seconds per wrk round (10)      BENCH_ROUNDS  rounds per figure (3)
#   BENCH_CONNECTIONS  concurrent callers (32)         BENCH_EVENTS  events timed per fan-out stage (5)
#   BENCH_PG_URL       PostgreSQL server (postgres://postgres@127.0.0.1:5432)
#   BENCH_PG_DB        database dropped, re-created and seeded there (layers_bench)
#   BENCH_PG_PARAMS    connection parameters every target uses (sslmode=disable: PostGraphile's
#                      driver connects without TLS unless told to, so the others do too)
#   BENCH_SEED         RNG seed of the dataset (12)    BENCH_SKIP_SEED=1 keeps the databases as they are
#   BENCH_OUT          output directory (target/bench)
#   BENCH_SKIP_BUILD=1 use the binaries already in target/release
#   BENCH_BASELINE     path to another layers-dashboard binary (an earlier build): served as
#                      "server-pg-before" on its own copy of the dataset (database <BENCH_PG_DB>_before,
#                      migrated by that binary, seeded with the same RNG seed) in the page and write
#                      rounds (each write round right after the same round of this build), and run
#                      through the same fan-out and memory stages right before this build
#                      ("...-before"), for before/after ratios
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${BENCH_OUT:-$ROOT/target/bench}
PARTS=${BENCH_PARTS:-page,writes,fanout,memory}
DURATION=${BENCH_DURATION:-10}
ROUNDS=${BENCH_ROUNDS:-3}
CONNS=${BENCH_CONNECTIONS:-32}
EVENTS=${BENCH_EVENTS:-5}
PG_BASE=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}
PG_DB=${BENCH_PG_DB:-layers_bench}
PG_PARAMS=${BENCH_PG_PARAMS-sslmode=disable}
PG_URL=$PG_BASE/$PG_DB${PG_PARAMS:+?$PG_PARAMS}
OLD_URL=$PG_BASE/${PG_DB}_before${PG_PARAMS:+?$PG_PARAMS}
SQLITE_URL="sqlite://$OUT/layers_bench.db?mode=rwc"
PGL_VERSION=5.1.5
export LAYERS_JWT_SECRET=bench-only-secret-0123456789abcdef0123456789
BIN=$ROOT/target/release
RESULTS=$OUT/results.jsonl
mkdir -p "$OUT/logs"
: > "$RESULTS"
: > "$OUT/commands.txt"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

has() { [[ ",$PARTS," == *",$1,"* ]]; }
log() { printf '== %s\n' "$*" >&2; }
run() { printf '%s\n' "$*" >> "$OUT/commands.txt"; "$@"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
pg_ticks() { # CPU ticks of every PostgreSQL process (server and backends) so far, with those of
  # backends that have exited (the postmaster's reaped children: a pool that reconnects mid-round)
  local total=0 pid ticks
  for pid in $(pgrep -x postgres); do
    ticks=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$pid/stat" 2>/dev/null) && total=$((total + ticks))
  done
  echo "$total"
}
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

wait_http() { # url: any HTTP answer will do
  for _ in $(seq 1 200); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'content-type: application/json' -d '{"query":"{__typename}"}' "$1")" != 000 ] && return 0
    sleep 0.2
  done
  echo "no answer from $1" >&2; return 1
}

if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
  log "build (release)"
  run cargo build --release --locked -p layers-dashboard -p layers-bench
fi

if has page; then
  log "PostGraphile $PGL_VERSION (npm, cached in $OUT/node)"
  if [ ! -x "$OUT/node/node_modules/.bin/postgraphile" ]; then
    mkdir -p "$OUT/node" && echo '{"private":true}' > "$OUT/node/package.json"
    (cd "$OUT/node" && run npm install --no-audit --no-fund --silent "postgraphile@$PGL_VERSION")
  fi
fi

seed() { # url dir [server binary that migrates]
  run env LAYERS_DATABASE_URL="$1" "${3:-$BIN/layers-dashboard}" migrate > "$OUT/logs/migrate.log" 2>&1
  run "$BIN/layers-bench" seed --database-url "$1" --out "$2" --seed "${BENCH_SEED:-12}"
}
if [ "${BENCH_SKIP_SEED:-0}" != 1 ]; then
  log "seed PostgreSQL ($PG_URL) and SQLite ($SQLITE_URL)"
  run psql "$PG_BASE/postgres" -qc "DROP DATABASE IF EXISTS $PG_DB" -c "CREATE DATABASE $PG_DB"
  rm -f "$OUT"/layers_bench.db*
  seed "$PG_URL" "$OUT/data-pg"
  seed "$SQLITE_URL" "$OUT/data-sqlite"
  if [ -n "${BENCH_BASELINE:-}" ]; then
    log "seed the baseline's copy ($OLD_URL), migrated by $BENCH_BASELINE"
    run psql "$PG_BASE/postgres" -qc "DROP DATABASE IF EXISTS ${PG_DB}_before" -c "CREATE DATABASE ${PG_DB}_before"
    seed "$OLD_URL" "$OUT/data-pg-before" "$BENCH_BASELINE"
  fi
fi
TOKEN_PG=$(head -1 "$OUT/data-pg/tokens.txt")
TOKEN_SQLITE=$(head -1 "$OUT/data-sqlite/tokens.txt")
ORG=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["id"])' "$OUT/data-pg/orgs.json")

serve() { # name database-url [extra env...]; sets PORT and PID (SERVE_BIN: another binary)
  local name=$1 url=$2 bin=${SERVE_BIN:-$BIN/layers-dashboard}; shift 2
  PORT=$(free_port)
  env LAYERS_DATABASE_URL="$url" LAYERS_LISTEN="127.0.0.1:$PORT" LAYERS_SEED_DEMO=never LAYERS_LOG=warn \
    LAYERS_RATE_LIMIT_ORG_PER_MINUTE=0 LAYERS_RATE_LIMIT_SUBSCRIBE_PER_MINUTE=0 LAYERS_WS_MAX_CONNECTIONS_PER_ORG=20000 LAYERS_INSTANCE_ID="bench-$name" \
    LAYERS_OPTIMIZER_INTERVAL_SECS=86400 "$@" "$bin" serve > "$OUT/logs/$name.log" 2>&1 &
  PID=$!; PIDS+=("$PID")
  echo "serve $name: LAYERS_DATABASE_URL=$url LAYERS_LISTEN=127.0.0.1:$PORT $* $bin serve" >> "$OUT/commands.txt"
  wait_http "http://127.0.0.1:$PORT/graphql"
  # The seeded creatives still being generated are finished by the sandbox in the server's first
  # seconds, a write transaction each: timed rounds start once they are done.
  if [[ $url == postgres* ]]; then
    for _ in $(seq 1 300); do
      [ "$(psql "$url" -qAt -c "SELECT count(*) FROM content_containers WHERE status = 'processing'")" = 0 ] && break
      sleep 0.2
    done
  fi
}

wrk_round() { # part target pid url lua args...
  local part=$1 target=$2 pid=$3 url=$4 lua=$5; shift 5
  local before after pg_before pg_after line
  before=$(cpu_ticks "$pid"); pg_before=$(pg_ticks)
  echo "wrk -t1 -c$CONNS -d${DURATION}s --timeout 30s --latency -s bench/wrk/$lua $url -- $*" >> "$OUT/commands.txt"
  line=$(wrk -t1 -c"$CONNS" -d"${DURATION}s" --timeout 30s --latency -s "$ROOT/bench/wrk/$lua" "$url" -- "$@" 2>>"$OUT/logs/wrk.err" | grep '^{')
  after=$(cpu_ticks "$pid"); pg_after=$(pg_ticks)
  python3 - "$part" "$target" "$ROUND" "$before" "$after" "$pg_before" "$pg_after" "$line" >> "$RESULTS" <<'PY'
import json, os, sys
part, target, rnd, before, after, pg_before, pg_after, line = sys.argv[1:]
r = json.loads(line)
per_req = 1000 / os.sysconf("SC_CLK_TCK") / max(r["requests"], 1)
r.update(part=part, target=target, round=int(rnd), cpu_ms_per_req=(int(after) - int(before)) * per_req,
         pg_cpu_ms_per_req=(int(pg_after) - int(pg_before)) * per_req)
print(json.dumps(r))
PY
  tail -1 "$RESULTS" >&2
}

if has page || has writes; then
  serve server-pg "$PG_URL"; SRV_PG=$PORT; SRV_PG_PID=$PID
fi

if has page; then
  serve server-sqlite "$SQLITE_URL"; SRV_LITE=$PORT; SRV_LITE_PID=$PID
  if [ -n "${BENCH_BASELINE:-}" ]; then
    SERVE_BIN=$BENCH_BASELINE serve server-pg-before "$OLD_URL"; SRV_OLD=$PORT; SRV_OLD_PID=$PID
  fi
  REF=$(free_port)
  "$BIN/layers-bench" reference --database-url "$PG_URL" --listen "127.0.0.1:$REF" > "$OUT/logs/reference.log" 2>&1 &
  REF_PID=$!; PIDS+=("$REF_PID")
  echo "layers-bench reference --database-url $PG_URL --listen 127.0.0.1:$REF" >> "$OUT/commands.txt"
  PGL=$(free_port)
  cp bench/postgraphile/graphile.config.mjs bench/postgraphile/polyfill.cjs "$OUT/node/"
  (cd "$OUT/node" && DATABASE_URL=$PG_URL PORT=$PGL NODE_ENV=production NODE_OPTIONS="--require ./polyfill.cjs" \
    exec node_modules/.bin/postgraphile -C ./graphile.config.mjs) > "$OUT/logs/postgraphile.log" 2>&1 &
  PGL_PID=$!; PIDS+=("$PGL_PID")
  echo "DATABASE_URL=$PG_URL PORT=$PGL postgraphile -C bench/postgraphile/graphile.config.mjs" >> "$OUT/commands.txt"
  wait_http "http://127.0.0.1:$REF/graphql"
  wait_http "http://127.0.0.1:$PGL/graphql"

  python3 -c 'import json,sys; print(json.dumps({"query": open(sys.argv[1]).read()}))' bench/page.graphql > "$OUT/page-body.json"
  python3 -c 'import json,sys; print(json.dumps({"query": open(sys.argv[1]).read(), "variables": {"org": sys.argv[2]}}))' \
    bench/postgraphile/page.graphql "$ORG" > "$OUT/page-body-postgraphile.json"
  fetch() { curl -fsS -X POST -H 'content-type: application/json' ${2:+-H "Authorization: Bearer $2"} --data "@$3" "$1" > "$4"; }
  fetch "http://127.0.0.1:$SRV_PG/graphql" "$TOKEN_PG" "$OUT/page-body.json" "$OUT/page-server-pg.json"
  fetch "http://127.0.0.1:$REF/graphql" "$TOKEN_PG" "$OUT/page-body.json" "$OUT/page-reference.json"
  fetch "http://127.0.0.1:$SRV_LITE/graphql" "$TOKEN_SQLITE" "$OUT/page-body.json" "$OUT/page-server-sqlite.json"
  fetch "http://127.0.0.1:$PGL/graphql" "" "$OUT/page-body-postgraphile.json" "$OUT/page-postgraphile.json"
  log "same JSON: server (PostgreSQL) and reference; server on SQLite and on PostgreSQL"
  run "$BIN/layers-bench" same-json "$OUT/page-server-pg.json" "$OUT/page-reference.json"
  run "$BIN/layers-bench" same-json "$OUT/page-server-pg.json" "$OUT/page-server-sqlite.json"
  if [ -n "${BENCH_BASELINE:-}" ]; then
    fetch "http://127.0.0.1:$SRV_OLD/graphql" "$TOKEN_PG" "$OUT/page-body.json" "$OUT/page-server-pg-before.json"
    run "$BIN/layers-bench" same-json "$OUT/page-server-pg.json" "$OUT/page-server-pg-before.json"
  fi
  if grep -q '"errors"' "$OUT/page-postgraphile.json"; then echo "PostGraphile answered errors" >&2; exit 1; fi
  wc -c "$OUT"/page-*.json > "$OUT/page-sizes.txt"

  log "dashboard page: $ROUNDS interleaved rounds of ${DURATION}s"
  for ROUND in $(seq 1 "$ROUNDS"); do
    wrk_round page server-pg "$SRV_PG_PID" "http://127.0.0.1:$SRV_PG/graphql" post.lua "$OUT/page-body.json" "$TOKEN_PG"
    wrk_round page reference "$REF_PID" "http://127.0.0.1:$REF/graphql" post.lua "$OUT/page-body.json" "$TOKEN_PG"
    wrk_round page postgraphile "$PGL_PID" "http://127.0.0.1:$PGL/graphql" post.lua "$OUT/page-body-postgraphile.json" ""
    wrk_round page server-sqlite "$SRV_LITE_PID" "http://127.0.0.1:$SRV_LITE/graphql" post.lua "$OUT/page-body.json" "$TOKEN_SQLITE"
    if [ -n "${BENCH_BASELINE:-}" ]; then
      wrk_round page server-pg-before "$SRV_OLD_PID" "http://127.0.0.1:$SRV_OLD/graphql" post.lua "$OUT/page-body.json" "$TOKEN_PG"
    fi
  done
  kill "$SRV_LITE_PID" "$REF_PID" "$PGL_PID" ${SRV_OLD_PID:-} 2>/dev/null || true
fi

if has writes; then
  log "gated writes: updateCampaignBudget, tactical AUTO (sandbox dispatch) and DRAFT, $ROUNDS rounds"
  if [ -n "${BENCH_BASELINE:-}" ]; then
    SERVE_BIN=$BENCH_BASELINE serve server-pg-before "$OLD_URL"; SRV_OLD=$PORT; SRV_OLD_PID=$PID
  fi
  for ROUND in $(seq 1 "$ROUNDS"); do
    wrk_round writes auto "$SRV_PG_PID" "http://127.0.0.1:$SRV_PG/graphql" writes.lua "$OUT/data-pg/writes-auto.txt" ALLOW
    if [ -n "${BENCH_BASELINE:-}" ]; then
      wrk_round writes auto-before "$SRV_OLD_PID" "http://127.0.0.1:$SRV_OLD/graphql" writes.lua "$OUT/data-pg/writes-auto.txt" ALLOW
    fi
    wrk_round writes draft "$SRV_PG_PID" "http://127.0.0.1:$SRV_PG/graphql" writes.lua "$OUT/data-pg/writes-draft.txt" QUEUE_FOR_APPROVAL
    if [ -n "${BENCH_BASELINE:-}" ]; then
      wrk_round writes draft-before "$SRV_OLD_PID" "http://127.0.0.1:$SRV_OLD/graphql" writes.lua "$OUT/data-pg/writes-draft.txt" QUEUE_FOR_APPROVAL
    fi
  done
  [ -n "${SRV_OLD_PID:-}" ] && kill "$SRV_OLD_PID" 2>/dev/null || true
fi

fanout() { # part servers pids stages
  local campaign; campaign=$(awk -F'\t' -v t="$TOKEN_PG" '$1 == t {print $2; exit}' "$OUT/data-pg/writes-draft.txt")
  echo "layers-bench fanout --servers $2 --pids $3 --stages $4 --events $EVENTS  # $1" >> "$OUT/commands.txt"
  "$BIN/layers-bench" fanout --servers "$2" --pids "$3" --token "$TOKEN_PG" --campaign "$campaign" --stages "$4" --events "$EVENTS" \
    | python3 -c 'import json,sys; r=json.load(sys.stdin); r["part"]=sys.argv[1]; print(json.dumps(r))' "$1" >> "$RESULTS"
  tail -1 "$RESULTS" >&2
}

fanout_pair() { # suffix url: one and two instances of SERVE_BIN (the default: this build)
  serve "fanout$1-a" "$2"; local a=$PORT a_pid=$PID
  fanout "fanout-one$1" "127.0.0.1:$a" "$a_pid" 1000
  serve "fanout$1-b" "$2"; local b=$PORT b_pid=$PID
  fanout "fanout-two$1" "127.0.0.1:$a,127.0.0.1:$b" "$a_pid,$b_pid" 1000
  kill "$a_pid" "$b_pid" 2>/dev/null || true
}

memory() { # suffix url: a fresh instance of SERVE_BIN (the default: this build), alone
  serve "memory$1" "$2"; local pid=$PID
  sleep 2
  fanout "memory$1" "127.0.0.1:$PORT" "$pid" 1000,10000
  kill "$pid" 2>/dev/null || true
  sleep 1
}

if has fanout || has memory; then
  [ -n "${SRV_PG_PID:-}" ] && kill "$SRV_PG_PID" 2>/dev/null || true
fi

if has fanout; then
  log "fan-out: one DRAFT write to 1,000 pendingActionEvents subscribers, one instance, then two"
  if [ -n "${BENCH_BASELINE:-}" ]; then SERVE_BIN=$BENCH_BASELINE fanout_pair -before "$OLD_URL"; fi
  fanout_pair "" "$PG_URL"
fi

if has memory; then
  log "memory: a fresh instance idle, with 1,000 and 10,000 WebSockets, 3 s and 10 s after they close"
  if [ -n "${BENCH_BASELINE:-}" ]; then SERVE_BIN=$BENCH_BASELINE memory -before "$OLD_URL"; fi
  memory "" "$PG_URL"
fi

{
  echo "commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!target' || echo ' (with uncommitted changes)')"
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "kernel: $(uname -sr)"
  echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "postgresql: $(psql "$PG_BASE/postgres" -tAc 'SHOW server_version')"
  echo "node: $(node --version); postgraphile $PGL_VERSION; wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}')"
  echo "settings: BENCH_DURATION=$DURATION BENCH_ROUNDS=$ROUNDS BENCH_CONNECTIONS=$CONNS BENCH_EVENTS=$EVENTS"
} > "$OUT/machine.txt"
python3 bench/report.py "$OUT" > "$OUT/report.md"
log "report: $OUT/report.md"
cat "$OUT/report.md"
