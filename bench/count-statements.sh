#!/usr/bin/env bash
# bench/count-statements.sh BIN [N]: serves the layers-dashboard binary BIN on the database seeded by
# bench/run.sh (BENCH_PG_DB, default bench_writes; its targets in BENCH_OUT, default
# target/bench-writes) with every statement logged (log_statement=all, for its own connections only),
# sends N AUTO and N DRAFT budget writes one after another (the first N targets of each list), and
# prints the statements and COMMITs per write, read from the PostgreSQL log (Debian's path). A sweep
# of creatives still processing runs once a second and adds about 0.1 statement per write at N=20.
set -euo pipefail
BIN=$1; N=${2:-20}
DB=${BENCH_PG_DB:-bench_writes}; DATA=${BENCH_OUT:-target/bench-writes}/data-pg
LOG=/var/log/postgresql/postgresql-15-main.log
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
LAYERS_JWT_SECRET=bench-only-secret-0123456789abcdef0123456789 LAYERS_DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB?options=-c%20log_statement%3Dall" \
  LAYERS_LISTEN=127.0.0.1:$PORT LAYERS_SEED_DEMO=never LAYERS_LOG=warn LAYERS_RATE_LIMIT_ORG_PER_MINUTE=0 LAYERS_OPTIMIZER_INTERVAL_SECS=86400 \
  LAYERS_INSTANCE_ID=count "$BIN" serve > ${TMPDIR:-/tmp}/count-server.log 2>&1 &
PID=$!
trap 'kill $PID' EXIT
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$PORT/graphql" -X POST -H 'content-type: application/json' -d '{"query":"{__typename}"}' && break; sleep 0.2; done
Q='mutation($id: ID!, $c: Int!) { updateCampaignBudget(input: {campaignId: $id, dailyBudgetCents: $c}) { verdict { decision reason } userErrors { code } } }'
for kind in auto draft; do
  sleep 1
  before=$(wc -l < $LOG)
  head -n "$N" $DATA/writes-$kind.txt | while IFS=$'\t' read -r token id; do
    body=$(python3 -c 'import json,sys; print(json.dumps({"query": sys.argv[1], "variables": {"id": sys.argv[2], "c": 7000}}))' "$Q" "$id")
    curl -s -X POST -H 'content-type: application/json' -H "Authorization: Bearer $token" -d "$body" "http://127.0.0.1:$PORT/graphql" > ${TMPDIR:-/tmp}/count-last.json
  done
  sleep 1
  tail -n +"$((before + 1))" $LOG | grep "@$DB " > ${TMPDIR:-/tmp}/count-$kind.log || true
  statements=$(grep -cE 'LOG:  (statement|execute)' ${TMPDIR:-/tmp}/count-$kind.log || true)
  commits=$(grep -ciE 'LOG:  (statement|execute [^:]*): COMMIT' ${TMPDIR:-/tmp}/count-$kind.log || true)
  echo "$kind: $(python3 -c "print(f'{$statements/$N:.1f} statements, {$commits/$N:.1f} COMMIT per write')") (last answer: $(cat ${TMPDIR:-/tmp}/count-last.json))"
done
