#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster on a free loopback port under a temp
# directory, exports PROPCREDIT_TEST_PG_URL (an admin URL the tests create
# their own databases through) and tears it down when the calling shell exits.
# Source it:  source scripts/throwaway-postgres.sh && start_throwaway_postgres
# Installs PostgreSQL from Debian's packages when it is absent.

pg_bindir() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/initdb" ] && { echo "$d"; return 0; }
    done
    return 1
}

ensure_postgres_installed() {
    if pg_bindir >/dev/null; then return 0; fi
    echo "== PostgreSQL is not installed: installing it from Debian's packages" >&2
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >&2
    pg_bindir >/dev/null
}

free_port() {
    local port
    for port in $(seq 55432 55532); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    return 1
}

start_throwaway_postgres() {
    ensure_postgres_installed || { echo "cannot install PostgreSQL" >&2; return 1; }
    local bindir port
    bindir=$(pg_bindir)
    port=$(free_port) || { echo "no free port for PostgreSQL" >&2; return 1; }
    PG_TMP=$(mktemp -d /tmp/propcredit-pg.XXXXXX)
    # initdb refuses to run as root: the cluster belongs to the postgres user then.
    local run=()
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
        chown postgres "$PG_TMP"
        run=(runuser -u postgres --)
    fi
    "${run[@]}" "$bindir/initdb" -D "$PG_TMP/data" -U postgres --auth=trust -E UTF8 --no-locale >"$PG_TMP/initdb.log" 2>&1 \
        || { cat "$PG_TMP/initdb.log" >&2; return 1; }
    # Durability is pointless for a throwaway test cluster; speed is not.
    # Benchmarks set THROWAWAY_PG_SETTINGS to a production-like, durable
    # configuration instead, so their figures are not flattered.
    local settings=${THROWAWAY_PG_SETTINGS:-"-c fsync=off -c synchronous_commit=off -c full_page_writes=off"}
    "${run[@]}" "$bindir/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w -t 60 start \
        -o "-p $port -k $PG_TMP -c listen_addresses=127.0.0.1 -c max_connections=300 $settings" \
        >/dev/null || { cat "$PG_TMP/server.log" >&2; return 1; }
    PG_STOP=("${run[@]}" "$bindir/pg_ctl" -D "$PG_TMP/data" -m immediate stop)
    # A caller with a cleanup of its own (the benchmarks) stops the server in
    # it; replacing that trap would leave the caller's files behind.
    if [ -z "$(trap -p EXIT)" ]; then
        trap stop_throwaway_postgres EXIT
    fi
    export PROPCREDIT_TEST_PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
    echo "== PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (throwaway, $PG_TMP)" >&2
}

stop_throwaway_postgres() {
    if [ -n "${PG_TMP:-}" ] && [ -d "$PG_TMP" ]; then
        "${PG_STOP[@]}" >/dev/null 2>&1 || true
        rm -rf "$PG_TMP"
    fi
}
