#!/usr/bin/env bash
# API benchmark (issue #4): GET /periods/{period}/rankings and
# GET /companies/{code} against a published provincial-scale run (20,000
# companies) on the embedded SQLite database, measured with wrk on loopback.
# Prints requests/s and the latency distribution (p50 … p99) of each.
#   bash scripts/bench-api.sh
set -euo pipefail
cd "$(dirname "$0")/.."

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
WORK=$(mktemp -d /tmp/propcredit-bench-api.XXXXXX)
SERVER=""
cleanup() { [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT

cargo build --release --locked -q
BIN=target/release/propcredit
DB="sqlite://$WORK/province.db"
PERIOD=2026Q2
export RUST_LOG=warn

echo "== preparing a published provincial quarter (generate, import, rate)"
"$BIN" generate --seed 7 --companies 20000 --communities 100000 --periods "$PERIOD" \
    --surveys-per-community 103 --complaints-per-community 24 --out "$WORK/province" >/dev/null
"$BIN" --database-url "$DB" import "$WORK/province" | tail -1
"$BIN" --database-url "$DB" rate --period "$PERIOD" --publish | head -1
TOKEN=$("$BIN" --database-url "$DB" user add --name bench --role admin | tail -1)
CODE=$("$BIN" --database-url "$DB" export --period "$PERIOD" | sed -n 2p | cut -d, -f2)

PORT=18080
PROPCREDIT_SCHEDULER__ENABLED=false "$BIN" --database-url "$DB" serve --bind "127.0.0.1:$PORT" &
SERVER=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done

BASE="http://127.0.0.1:$PORT/api/v1"
# Warm up (the first request of a run loads its table).
curl -sf "$BASE/periods/$PERIOD/rankings" >/dev/null

# One wrk thread leaves the second core to the server.
echo "== GET /periods/$PERIOD/rankings (public, page 1 of 50 rows)"
wrk -t1 -c16 -d15s --latency "$BASE/periods/$PERIOD/rankings" | grep -E "Requests/sec|Latency  |50%|90%|99%"
echo "== GET /periods/$PERIOD/rankings?district=…&page=3 (admin: every column)"
wrk -t1 -c16 -d15s --latency -H "Authorization: Bearer $TOKEN" "$BASE/periods/$PERIOD/rankings?district=%E6%B4%AA%E5%B1%B1%E5%8C%BA&page=3" | grep -E "Requests/sec|Latency  |50%|90%|99%"
echo "== GET /companies/$CODE (admin)"
wrk -t1 -c16 -d15s --latency -H "Authorization: Bearer $TOKEN" "$BASE/companies/$CODE" | grep -E "Requests/sec|Latency  |50%|90%|99%"
