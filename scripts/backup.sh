#!/usr/bin/env bash
# Backs up propcredit's database to one file, online (the service may run).
#
#   scripts/backup.sh DATABASE_URL OUT_FILE
#
# SQLite  (sqlite://PATH):   `propcredit backup` — VACUUM INTO one snapshot,
#                            then PRAGMA integrity_check on the copy.
# PostgreSQL (postgres://…): pg_dump in its custom format (one consistent
#                            snapshot), restorable with scripts/restore.sh.
# PROPCREDIT and PG_DUMP name the programs when they are not on PATH.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 DATABASE_URL OUT_FILE" >&2; exit 2; }
url=$1
out=$2
[ -e "$out" ] && { echo "$out exists already: a backup never overwrites" >&2; exit 1; }
case "$url" in
    sqlite://*)
        "${PROPCREDIT:-propcredit}" --database-url "$url" backup --out "$out"
        ;;
    postgres://* | postgresql://*)
        pg_dump=${PG_DUMP:-$(command -v pg_dump || ls /usr/lib/postgresql/*/bin/pg_dump 2>/dev/null | tail -1)}
        [ -n "$pg_dump" ] || { echo "pg_dump is not installed (Debian: postgresql-client)" >&2; exit 1; }
        "$pg_dump" --format=custom --no-owner --no-privileges --file="$out" "$url"
        echo "backed up to $out ($(stat -c %s "$out") bytes)"
        ;;
    *)
        echo "not a database URL this knows: $url" >&2
        exit 2
        ;;
esac
