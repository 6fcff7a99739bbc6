#!/usr/bin/env bash
# Import benchmark (issue #2): a generated surveys file of ~2 million rows into
# SQLite and into PostgreSQL, printing rows/s and peak RSS for each.
#   bash scripts/bench-import.sh            # release build, ~2.0 M rows
#   ROWS_PER_COMMUNITY=20 bash scripts/bench-import.sh   # smaller, quicker
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/throwaway-postgres.sh

PER_COMMUNITY=${ROWS_PER_COMMUNITY:-104}
WORK=$(mktemp -d /tmp/propcredit-bench.XXXXXX)
cleanup() { stop_throwaway_postgres; rm -rf "$WORK"; }
trap cleanup EXIT

cargo build --release --locked -q
BIN=target/release/propcredit
RULES=scoring-rules

echo "== generating 20,000 communities × ~$PER_COMMUNITY survey responses (one quarter)"
"$BIN" generate --seed 42 --companies 2000 --communities 20000 --periods 2025Q3 \
    --surveys-per-community "$PER_COMMUNITY" --complaints-per-community 1 --out "$WORK/city" | grep surveys
ls -lh "$WORK/city/surveys.csv" | awk '{print "   surveys.csv is " $5}'

run() { # $1 = label, $2 = database URL
    local url=$2
    for kind in companies communities; do
        RUST_LOG=warn "$BIN" --database-url "$url" --rules-dir "$RULES" import --kind "$kind" "$WORK/city/$kind.csv" >/dev/null
    done
    echo "== $1: first import (all rows new)"
    RUST_LOG=warn "$BIN" --database-url "$url" --rules-dir "$RULES" --report-resources \
        import --kind surveys "$WORK/city/surveys.csv" 2>&1 | grep -E "rows/s|resources"
    echo "== $1: same file again (all rows unchanged)"
    RUST_LOG=warn "$BIN" --database-url "$url" --rules-dir "$RULES" --report-resources \
        import --kind surveys "$WORK/city/surveys.csv" 2>&1 | grep -E "rows/s|resources"
}

run "SQLite" "sqlite://$WORK/bench.db"
start_throwaway_postgres
psql "$PROPCREDIT_TEST_PG_URL" -qc "CREATE DATABASE bench"
run "PostgreSQL" "${PROPCREDIT_TEST_PG_URL%/*}/bench"
