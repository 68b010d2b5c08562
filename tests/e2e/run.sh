#!/usr/bin/env bash
# End-to-end check of the server in live mode against fake_platform.py, a fake Meta, TikTok and
# Apple Ads (Platform API v1, and Campaign Management API v5) with fault injection: native shapes and units, 500s, 429s, TikTok's HTTP-200
# errors, timeouts, late applies, a slow platform clock, kill -9 restarts mid-dispatch, refusals.
# Usage: bash tests/e2e/run.sh [scenario ...]   (default: all; see the names in scenarios.py).
# Exits non-zero when any scenario fails.
# BIN picks the binary (default: target/debug/layers-dashboard, built if missing); output goes to
# target/e2e/.
set -euo pipefail
E2E=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$E2E/../.." && pwd)
if [[ -z "${BIN:-}" ]]; then
  BIN=$ROOT/target/debug/layers-dashboard
  [[ -x "$BIN" ]] || (cd "$ROOT" && cargo build --locked)
fi
FAKE_PORT=${FAKE_PORT:-19100}
APP_PORT=${APP_PORT:-18181}
OUT=${OUT:-$ROOT/target/e2e}
mkdir -p "$OUT"
rm -f "$OUT"/product-*.log "$OUT"/fake_requests.jsonl "$OUT"/results.json
WORK=$(mktemp -d /tmp/layers-e2e.XXXXXX)
echo "work dir: $WORK"

META_TOKEN=meta-system-user-token-e2e
TIKTOK_TOKEN=tiktok-long-term-token-e2e
APPLE_TOKEN=apple-access-token-e2e

# FAKE_ARGS adds options to the fake, e.g. FAKE_ARGS=--strict-apple.
python3 "$E2E/fake_platform.py" --port "$FAKE_PORT" --log "$OUT/fake_requests.jsonl" \
  --meta-token "$META_TOKEN" --tiktok-token "$TIKTOK_TOKEN" --apple-token "$APPLE_TOKEN" ${FAKE_ARGS:-} \
  >"$OUT/fake.log" 2>&1 &
FAKE_PID=$!
cleanup() {
  kill "$FAKE_PID" 2>/dev/null || true
  if [[ -f "$WORK/product.pid" ]]; then kill -9 "$(cat "$WORK/product.pid")" 2>/dev/null || true; fi
}
trap cleanup EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$FAKE_PORT/_control/state" >/dev/null && break; sleep 0.1; done

export LAYERS_DATABASE_URL="sqlite://$WORK/layers.db?mode=rwc"
export LAYERS_LISTEN="127.0.0.1:$APP_PORT"
export LAYERS_PLATFORM_MODE=live
export LAYERS_META_BASE_URL="http://127.0.0.1:$FAKE_PORT"
export LAYERS_TIKTOK_BASE_URL="http://127.0.0.1:$FAKE_PORT"
export LAYERS_APPLE_BASE_URL="http://127.0.0.1:$FAKE_PORT"       # v5 connections
export LAYERS_APPLE_ADS_BASE_URL="http://127.0.0.1:$FAKE_PORT"   # Apple Ads Platform API (new connections)
export LAYERS_TOKEN_ENCRYPTION_KEY=$(openssl rand -base64 32)
export LAYERS_JWT_SECRET="e2e-jwt-secret-$(openssl rand -hex 16)"
export LAYERS_PLATFORM_TIMEOUT_MS=2000
export LAYERS_PLATFORM_MAX_ATTEMPTS=4
export LAYERS_PLATFORM_BACKOFF_BASE_MS=200
export LAYERS_PLATFORM_BACKOFF_CAP_MS=1000
export LAYERS_PLATFORM_RETRY_AFTER_CAP_SECS=10
export LAYERS_RECONCILE_INTERVAL_SECS=3
export LAYERS_DISPATCH_LEASE_SECS=60
export LAYERS_DISPATCH_SETTLE_SECS=15
export LAYERS_INSTANCE_ID=e2e-1
export LAYERS_SEED_DEMO=never
export LAYERS_RATE_LIMIT_ORG_PER_MINUTE=0
export LAYERS_OPTIMIZER_INTERVAL_SECS=86400
export LAYERS_LOG=${LAYERS_LOG:-info,layers_dashboard=debug}

ORG=$("$BIN" org create --name "E2E Co" 2>"$OUT/cli.log")
echo "org: $ORG"
export META_ACCOUNT=act_1234567890 TIKTOK_ACCOUNT=7001234567890123456 APPLE_ACCOUNT=4455667  # Apple Ads ad account id
LAYERS_AD_ACCOUNT_TOKEN=$META_TOKEN "$BIN" ad-account connect --org "$ORG" --platform meta --account "$META_ACCOUNT" 2>>"$OUT/cli.log"
LAYERS_AD_ACCOUNT_TOKEN=$TIKTOK_TOKEN "$BIN" ad-account connect --org "$ORG" --platform tiktok --account "$TIKTOK_ACCOUNT" 2>>"$OUT/cli.log"
LAYERS_AD_ACCOUNT_TOKEN=$APPLE_TOKEN "$BIN" ad-account connect --org "$ORG" --platform apple --account "$APPLE_ACCOUNT" 2>>"$OUT/cli.log"
export E2E_TOKEN=$("$BIN" token --org "$ORG" 2>>"$OUT/cli.log")
export E2E_ORG=$ORG E2E_WORK=$WORK E2E_BIN=$BIN E2E_FAKE="http://127.0.0.1:$FAKE_PORT" E2E_APP="http://127.0.0.1:$APP_PORT" E2E_OUT=$OUT

python3 "$E2E/scenarios.py" "$@"
