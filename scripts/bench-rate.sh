#!/usr/bin/env bash
# Rating benchmark (issue #3): one quarter at provincial scale — 20,000
# companies, 100,000 communities, ~10 million survey responses, ~2 million
# complaints — imported into SQLite and PostgreSQL, then `rate` timed on each
# (load / compute / store, elapsed and peak RSS).
#   bash scripts/bench-rate.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/throwaway-postgres.sh

WORK=$(mktemp -d /tmp/propcredit-bench-rate.XXXXXX)
cleanup() { stop_throwaway_postgres; rm -rf "$WORK"; }
trap cleanup EXIT

cargo build --release --locked -q
BIN=target/release/propcredit
PERIOD=2026Q2

echo "== generating the province (one quarter)"
"$BIN" --report-resources generate --seed 7 --companies 20000 --communities 100000 --periods "$PERIOD" \
    --surveys-per-community 103 --complaints-per-community 24 --out "$WORK/province"

bench() { # $1 = label, $2 = database URL
    echo "== $1: import"
    RUST_LOG=warn "$BIN" --database-url "$2" import "$WORK/province" | tail -1
    echo "== $1: rate --period $PERIOD"
    RUST_LOG=warn "$BIN" --database-url "$2" --report-resources rate --period "$PERIOD" 2>&1 | grep -E "rated|time:|resources"
}

bench "SQLite" "sqlite://$WORK/province.db"
start_throwaway_postgres
psql "$PROPCREDIT_TEST_PG_URL" -qc "CREATE DATABASE province"
bench "PostgreSQL" "${PROPCREDIT_TEST_PG_URL%/*}/province"
