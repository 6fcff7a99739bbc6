#!/usr/bin/env bash
# Restores a backup made by scripts/backup.sh. Stop the service first.
#
#   scripts/restore.sh BACKUP_FILE DATABASE_URL
#
# SQLite: the backup is checked, the current file (if any) is kept beside
#         it as PATH.before-restore-TIMESTAMP, and the backup takes its place.
# PostgreSQL: pg_restore into the (existing, possibly empty) database in one
#         transaction, replacing the objects it has: all or nothing.
# Either way the restored database is then opened once by propcredit, which
# applies any migration a newer version brings.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 BACKUP_FILE DATABASE_URL" >&2; exit 2; }
backup=$1
url=$2
[ -f "$backup" ] || { echo "no backup file $backup" >&2; exit 1; }
propcredit=${PROPCREDIT:-propcredit}
case "$url" in
    sqlite://*)
        path=${url#sqlite://}
        # A copy of the backup is checked before anything is moved.
        staged="$path.restoring"
        rm -f "$staged"
        cp "$backup" "$staged"
        "$propcredit" --database-url "sqlite://$staged" verify > /dev/null \
            || { rm -f "$staged"; echo "the backup does not open as a propcredit database" >&2; exit 1; }
        if [ -e "$path" ]; then
            kept="$path.before-restore-$(date +%Y%m%d%H%M%S)"
            mv "$path" "$kept"
            echo "the current database is kept as $kept"
        fi
        rm -f "$path-wal" "$path-shm"
        mv "$staged" "$path"
        ;;
    postgres://* | postgresql://*)
        pg_restore=${PG_RESTORE:-$(command -v pg_restore || ls /usr/lib/postgresql/*/bin/pg_restore 2>/dev/null | tail -1)}
        [ -n "$pg_restore" ] || { echo "pg_restore is not installed (Debian: postgresql-client)" >&2; exit 1; }
        "$pg_restore" --clean --if-exists --no-owner --no-privileges --single-transaction \
            --exit-on-error --dbname="$url" "$backup"
        ;;
    *)
        echo "not a database URL this knows: $url" >&2
        exit 2
        ;;
esac
"$propcredit" --database-url "$url" runs > /dev/null
echo "restored $backup into the database"
