# Shared by bench/ab-writes.sh and bench/ab-page.sh (sourced, not run): several builds of the
# server served at once, each on its own copy of one seeded dataset, timed in alternating bursts.
# Expects ROOT (the repository) to be set; sets PG_BASE, OUT_AB and the arrays below.
PG_BASE=${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}
OUT_AB=${BENCH_OUT:-$ROOT/target/bench}/ab
export LAYERS_JWT_SECRET=bench-only-secret-0123456789abcdef0123456789
mkdir -p "$OUT_AB"
TCK=$(getconf CLK_TCK)
PIDS=()
trap 'for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done' EXIT
declare -A PID PORT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

pg_ticks() { # CPU ticks of every PostgreSQL process so far
  local total=0 pid ticks
  for pid in $(pgrep -x postgres); do
    ticks=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$pid/stat" 2>/dev/null) && total=$((total + ticks))
  done
  echo "$total"
}

server_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

psql_do() { PGOPTIONS="-c client_min_messages=warning" psql "$PG_BASE/${PSQL_DB:-postgres}" -qAt "$@"; }

# seed_pg NAME BINARY: database NAME migrated by BINARY and seeded (targets in $OUT_AB/data).
seed_pg() {
  PSQL_DB=postgres psql_do -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"
  LAYERS_DATABASE_URL="$PG_BASE/$1" "$2" migrate > "$OUT_AB/migrate.log" 2>&1
  "$ROOT/target/release/layers-bench" seed --database-url "$PG_BASE/$1" --out "$OUT_AB/data" --seed "${BENCH_SEED:-12}" > "$OUT_AB/seed.log" 2>&1
}

# copy_pg TEMPLATE NAME BINARY: database NAME, a copy of TEMPLATE migrated by BINARY; prints its URL.
copy_pg() {
  PSQL_DB=postgres psql_do -c "DROP DATABASE IF EXISTS $2 WITH (FORCE)" -c "CREATE DATABASE $2 TEMPLATE $1"
  LAYERS_DATABASE_URL="$PG_BASE/$2" "$3" migrate >> "$OUT_AB/migrate.log" 2>&1
  echo "$PG_BASE/$2?sslmode=disable"
}

# serve LABEL BINARY URL: serves BINARY on URL in the background (PID[LABEL], PORT[LABEL]).
serve() {
  PORT[$1]=$(free_port)
  env LAYERS_DATABASE_URL="$3" LAYERS_LISTEN="127.0.0.1:${PORT[$1]}" LAYERS_SEED_DEMO=never LAYERS_LOG=warn \
    LAYERS_RATE_LIMIT_ORG_PER_MINUTE=0 LAYERS_INSTANCE_ID="ab-$1" LAYERS_OPTIMIZER_INTERVAL_SECS=86400 \
    "$2" serve > "$OUT_AB/$1.log" 2>&1 &
  PID[$1]=$!; PIDS+=("$!")
}

# ready LABEL CHECK ARGS...: waits until LABEL answers and `CHECK ARGS...` prints 0: the seeded
# creatives still processing are generated in a server's first seconds, one write each, which
# would skew the first bursts.
ready() {
  local label=$1; shift
  for _ in $(seq 1 300); do
    [ "$("$@" 2>/dev/null)" = 0 ] &&
      curl -fs -o /dev/null -X POST -H 'content-type: application/json' -d '{"query":"{__typename}"}' "http://127.0.0.1:${PORT[$label]}/graphql" && return
    sleep 0.2
  done
  echo "$label did not come up (see $OUT_AB/$label.log)" >&2; exit 1
}

# processing_pg NAME / processing_sqlite FILE: how many seeded creatives are still processing.
processing_pg() { PSQL_DB=$1 psql_do -c "SELECT count(*) FROM content_containers WHERE status = 'processing'"; }
processing_sqlite() {
  python3 -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM content_containers WHERE status = ?", ("processing",)).fetchone()[0])' "$1"
}

# alternating ROUND LABELS...: the labels in order on odd rounds, reversed on even ones (A B B A).
alternating() {
  local round=$1; shift
  if [ $((round % 2)) = 1 ]; then printf '%s\n' "$@"; else printf '%s\n' "$@" | tac; fi
}
