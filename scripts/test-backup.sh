#!/usr/bin/env bash
# Backup → destroy → restore → identical exports, on SQLite and (when
# PROPCREDIT_TEST_PG_URL names a PostgreSQL server) on PostgreSQL.
#
#   scripts/test-backup.sh [PROPCREDIT_BINARY]
#
# The database holds the small example city with two published quarters, a
# draft and a user; after the restore every export (§9 CSV and JSON of each
# quarter), the run list and the verification agree byte for byte.
set -euo pipefail
cd "$(dirname "$0")/.."
export PROPCREDIT=${1:-${CARGO_TARGET_DIR:-target}/debug/propcredit}
rules=tests/data/small-city
work=$(mktemp -d /tmp/propcredit-backup-test.XXXXXX)
trap 'rm -rf "$work"' EXIT

export RUST_LOG=${RUST_LOG:-warn}
pc() { "$PROPCREDIT" --database-url "$url" --rules-dir "$rules" "$@"; }

fill() {
    pc import tests/data/small-city/data > /dev/null
    pc rate --period 2025Q3 --publish > /dev/null
    pc rate --period 2025Q4 --publish > /dev/null
    pc rate --period 2026Q1 > /dev/null
    pc user add --name ko --role company --company 913346UW3LKQ70JX54 --email ko@example.com > /dev/null
}

snapshot() {
    local dir=$1
    mkdir -p "$dir"
    for p in 2025Q3 2025Q4; do
        pc export --period "$p" > "$dir/$p.csv"
        pc export --period "$p" --format json > "$dir/$p.json"
    done
    pc export --period 2026Q1 --run 3 > "$dir/draft.csv"
    pc runs > "$dir/runs.txt"
    pc verify > "$dir/verify.txt"
}

check() {
    local name=$1 destroy=$2
    echo "== backup and restore: $name" >&2
    fill
    snapshot "$work/$name-before"
    scripts/backup.sh "$url" "$work/$name.backup"
    $destroy
    scripts/restore.sh "$work/$name.backup" "$url"
    snapshot "$work/$name-after"
    # Not a comparison of nothing: the quarters' exports have every company.
    [ "$(wc -l < "$work/$name-before/2025Q4.csv")" -eq 31 ] || { echo "the snapshot is empty" >&2; exit 1; }
    diff -r "$work/$name-before" "$work/$name-after"
    echo "   identical: $(ls "$work/$name-after" | tr '\n' ' ')" >&2
}

url="sqlite://$work/propcredit.db"
destroy_sqlite() { rm -f "$work/propcredit.db" "$work/propcredit.db-wal" "$work/propcredit.db-shm"; }
check sqlite destroy_sqlite
# A file that is not a backup is refused, and the database stays as it was.
echo "not a database" > "$work/garbage.backup"
if scripts/restore.sh "$work/garbage.backup" "$url" 2> /dev/null; then
    echo "a garbage backup was restored" >&2
    exit 1
fi
pc export --period 2025Q4 | diff - "$work/sqlite-after/2025Q4.csv"
echo "   a garbage backup is refused; the database is unchanged" >&2

if [ -n "${PROPCREDIT_TEST_PG_URL:-}" ]; then
    psql=$(command -v psql || ls /usr/lib/postgresql/*/bin/psql | tail -1)
    "$psql" -q "$PROPCREDIT_TEST_PG_URL" -c "DROP DATABASE IF EXISTS backup_test" -c "CREATE DATABASE backup_test"
    url="${PROPCREDIT_TEST_PG_URL%/*}/backup_test"
    destroy_pg() {
        "$psql" -q "$PROPCREDIT_TEST_PG_URL" -c "DROP DATABASE backup_test WITH (FORCE)" -c "CREATE DATABASE backup_test"
    }
    check postgres destroy_pg
    "$psql" -q "$PROPCREDIT_TEST_PG_URL" -c "DROP DATABASE backup_test"
else
    echo "PROPCREDIT_TEST_PG_URL is not set: PostgreSQL's backup is not tried" >&2
fi
