#!/usr/bin/env bash
# Serves an instance on a fresh SQLite file and runs the `graphql-http` audit suite against it
# (.ci/graphql-http-audit.mjs) twice, anonymously and with a customer token; a MUST failure fails
# the run. Called by .ci/run; runs alone too.
set -euo pipefail
cd "$(dirname "$0")/.."

LISTEN="${AUDIT_LISTEN:-127.0.0.1:18765}"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "node/npm missing: installing them with apt-get"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq nodejs npm
fi

tmp="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

npm install --silent --no-audit --no-fund --prefix "$tmp/npm" graphql-http@1 >/dev/null

cargo build --locked --bin layers-dashboard
bin=target/debug/layers-dashboard

export LAYERS_DATABASE_URL="sqlite://$tmp/ci.db?mode=rwc"
export LAYERS_JWT_SECRET="ci-audit-secret-$(date +%s%N)-long-enough-for-hs256"
export LAYERS_SEED_DEMO=never
export LAYERS_LOG=warn

org="$("$bin" org create --name "CI audit")"
token="$("$bin" token --org "$org")"

"$bin" serve --listen "$LISTEN" >"$tmp/server.log" 2>&1 &
server_pid=$!

healthy() {
  node -e "fetch('http://$LISTEN/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
}
for _ in $(seq 1 100); do
  if healthy; then
    break
  fi
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "the server exited:" >&2
    cat "$tmp/server.log" >&2
    exit 1
  fi
  sleep 0.1
done
healthy || { echo "the server never became healthy" >&2; cat "$tmp/server.log" >&2; exit 1; }

# Once as an anonymous client (GET is refused without credentials, so only MAY audits on GET
# may fail), once with a customer token (every audit should pass).
echo "== graphql-http audit, anonymous"
GRAPHQL_HTTP_MODULE="$tmp/npm/node_modules/graphql-http" \
  node .ci/graphql-http-audit.mjs "http://$LISTEN/graphql"
echo "== graphql-http audit, with a customer token"
GRAPHQL_HTTP_MODULE="$tmp/npm/node_modules/graphql-http" \
GRAPHQL_HTTP_AUTHORIZATION="Bearer $token" \
  node .ci/graphql-http-audit.mjs "http://$LISTEN/graphql"
