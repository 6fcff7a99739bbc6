#!/usr/bin/env bash
# Province-scale benchmark (issue #10): one quarter of a province — 20,000
# companies, 100,000 communities, ~9 million survey responses, ~0.3 million
# complaints — with every file's rows in arbitrary order, as real exports
# arrive. On SQLite and on PostgreSQL (durable, production-like settings) it
# times, with peak RSS:
#   import      `propcredit import DIR` into an empty database
#   re-import   the same files again (every row unchanged)
#   rate        `rate --period 2026Q2 --publish`
#   rate again  after importing 1,000 new complaints
#   reads       the rankings and company-page API under wrk (pages of 2,000
#               different companies, in random order) while a next
#               quarter's 9 million responses are imported
#   floor       the same CSV files loaded by the database's own bulk loader
#               (sqlite3 .import, psql \copy) into bare tables
# and prints one table with the targets beside the figures.
#   bash scripts/bench-province.sh                       # 1 × province, ~25 min
#   SCALES="0.25 0.5 1" bash scripts/bench-province.sh   # the growth figure
#   BACKENDS=sqlite SCALES=0.25 bash scripts/bench-province.sh   # quick look
# Generated data is kept in target/bench-data (BENCH_DATA) and reused.
set -euo pipefail
cd "$(dirname "$0")/.."

SCALES=${SCALES:-1}
BACKENDS=${BACKENDS:-"sqlite postgres"}
DATA=${BENCH_DATA:-$PWD/target/bench-data}
READS_SECONDS=${READS_SECONDS:-30}
PERIOD=2026Q2
export RUST_LOG=warn
# A production-like PostgreSQL: durable (fsync, full page writes), with the
# memory and WAL room a bureau's server would give it.
export THROWAWAY_PG_SETTINGS="-c shared_buffers=512MB -c max_wal_size=8GB -c checkpoint_timeout=15min"
source scripts/throwaway-postgres.sh
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
command -v sqlite3 >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3; }

WORK=$(mktemp -d /tmp/propcredit-bench-province.XXXXXX)
SERVER=""
cleanup() {
    [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null
    stop_throwaway_postgres
    rm -rf "$WORK"
}
trap cleanup EXIT
# Interrupted (Ctrl-C, a time limit), it still removes its 2 GB of databases.
trap 'exit 130' INT TERM

cargo build --release --locked -q
BIN=$PWD/target/release/propcredit
RESULTS=$WORK/results.tsv # scale, backend, step, rows, seconds, peak RSS MiB, note
: > "$RESULTS"

# measure SCALE BACKEND STEP ROWS COMMAND...: wall time and peak RSS of one command.
measure() {
    local scale=$1 backend=$2 step=$3 rows=$4
    shift 4
    if ! /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >"$WORK/out" 2>"$WORK/err"; then
        echo "!! $step on $backend failed:" >&2
        cat "$WORK/err" >&2
        exit 1
    fi
    local secs kib
    read -r secs kib <"$WORK/time"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t\n' "$scale" "$backend" "$step" "$rows" "$secs" "$((kib / 1024))" >>"$RESULTS"
    printf '   %-12s %10s rows %8s s %6s MiB\n' "$step" "$rows" "$secs" "$((kib / 1024))"
}

data_rows() { # DIR: data rows of every CSV in it
    local n=0 f
    for f in "$1"/*.csv; do n=$((n + $(wc -l <"$f") - 1)); done
    echo "$n"
}

province() { # SCALE: generates (or reuses) the shuffled province at that scale
    local scale=$1 dir="$DATA/province-$1"
    if [ ! -f "$dir/.complete" ]; then
        local companies communities
        companies=$(awk -v s="$scale" 'BEGIN{printf "%d", 20000 * s}')
        communities=$(awk -v s="$scale" 'BEGIN{printf "%d", 100000 * s}')
        echo "== generating the province at scale $scale: $companies companies, $communities communities (rows shuffled)" >&2
        rm -rf "$dir"
        "$BIN" generate --seed 7 --companies "$companies" --communities "$communities" --periods "$PERIOD" \
            --surveys-per-community 92 --complaints-per-community 4 --out "$dir" >&2
        # 1,000 complaints that are new (fresh ids), for "rate again".
        mkdir -p "$dir/extra"
        awk -F, -v OFS=, 'NR == 1 { print; next } NR <= 1001 { $1 = "N" substr($1, 2); print }' \
            "$dir/complaints.csv" >"$dir/extra/new-complaints.csv"
        # The next quarter's survey responses (fresh ids, dates moved three
        # months on), imported while the API is read.
        awk -F, -v OFS=, 'NR == 1 { print; next } {
                $1 = "Q" substr($1, 2)
                sub(/^2026-04/, "2026-07", $3); sub(/^2026-05/, "2026-08", $3); sub(/^2026-06/, "2026-09", $3)
                print }' "$dir/surveys.csv" >"$dir/extra/next-quarter-surveys.csv"
        touch "$dir/.complete"
    fi
    echo "$dir"
}

reads_during_import() { # SCALE BACKEND URL DIR
    local scale=$1 backend=$2 url=$3 dir=$4 port=18090
    local token codes
    token=$("$BIN" --database-url "$url" user add --name "bench-$RANDOM" --role admin | tail -1)
    # 2,000 companies spread over the ranking (every tenth row), as a
    # bureau's officials and the companies themselves would open them.
    codes=$("$BIN" --database-url "$url" export --period "$PERIOD" |
        awk -F, 'NR > 1 && NR % 10 == 2 { printf "\"%s\",", $2 }' | head -c -1 | cut -d, -f1-2000)
    PROPCREDIT_SCHEDULER__ENABLED=false "$BIN" --database-url "$url" serve --bind "127.0.0.1:$port" >/dev/null 2>&1 &
    SERVER=$!
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.2; done
    local base="http://127.0.0.1:$port/api/v1"
    # The first reads of a new server load the tables it keeps (once per run).
    curl -sf "$base/periods/$PERIOD/rankings" >/dev/null
    curl -sf -H "Authorization: Bearer $token" "$base/companies/$(echo "$codes" | cut -d'"' -f2)" >/dev/null
    cat >"$WORK/reads.lua" <<LUA
-- Alternately the public rankings (page 1) and a company's page (admin):
-- one of 2,000 companies, chosen at random each time.
local i = 0
local auth = { ["Authorization"] = "Bearer $token" }
local codes = { $codes }
-- 16 connections, each waiting 6 ms between answers: ~2,400 requests/s asked for.
delay = function() return 6 end
request = function()
  i = i + 1
  if i % 2 == 0 then
    return wrk.format("GET", "/api/v1/periods/$PERIOD/rankings")
  end
  return wrk.format("GET", "/api/v1/companies/" .. codes[math.random(#codes)], auth)
end
LUA
    "$BIN" --database-url "$url" import --kind surveys "$dir/extra/next-quarter-surveys.csv" >"$WORK/import-during.out" 2>&1 &
    local importer=$!
    sleep 2
    wrk -t1 -c16 -d"${READS_SECONDS}s" --latency -s "$WORK/reads.lua" "http://127.0.0.1:$port" >"$WORK/wrk.out"
    local still_importing=no
    kill -0 "$importer" 2>/dev/null && still_importing=yes
    wait "$importer" || { cat "$WORK/import-during.out" >&2; exit 1; }
    kill "$SERVER"
    wait "$SERVER" 2>/dev/null || true
    SERVER=""
    local rps p99 errors
    rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$WORK/wrk.out")
    p99=$(awk '$1 == "99%" {print $2}' "$WORK/wrk.out")
    errors=$(grep -E "Non-2xx|Socket errors" "$WORK/wrk.out" || true)
    [ -n "$errors" ] && { echo "!! errors during the reads: $errors" >&2; exit 1; }
    [ "$still_importing" = yes ] || echo "!! the import ended before the reads did" >&2
    printf '%s\t%s\treads\t%s\t%s\t\tp99 %s\n' "$scale" "$backend" "$rps" "$READS_SECONDS" "$p99" >>"$RESULTS"
    printf '   %-12s %10s req/s, p99 %s (import still running at the end: %s)\n' reads "$rps" "$p99" "$still_importing"
}

floor() { # SCALE BACKEND URL DIR ROWS: the database's own bulk loader, bare tables
    local scale=$1 backend=$2 url=$3 dir=$4 rows=$5 f t
    if [ "$backend" = sqlite ]; then
        : >"$WORK/floor.sql"
        for f in "$dir"/*.csv; do
            t=$(basename "$f" .csv)
            echo ".import --csv '$f' floor_$t" >>"$WORK/floor.sql"
        done
        rm -f "$WORK/floor.db"
        measure "$scale" "$backend" floor "$rows" sqlite3 "$WORK/floor.db" ".read $WORK/floor.sql"
    else
        : >"$WORK/floor.sql"
        for f in "$dir"/*.csv; do
            t=floor_$(basename "$f" .csv)
            local cols
            cols=$(head -1 "$f" | tr -d '\r' | sed 's/,/ text, /g')
            echo "CREATE TABLE $t ($cols text);" >>"$WORK/floor.sql"
            echo "\\copy $t FROM '$f' WITH (FORMAT csv, HEADER true)" >>"$WORK/floor.sql"
        done
        measure "$scale" "$backend" floor "$rows" psql -q -v ON_ERROR_STOP=1 "$url" -f "$WORK/floor.sql"
    fi
}

bench() { # SCALE BACKEND
    local scale=$1 backend=$2 dir url rows
    dir=$(province "$scale")
    rows=$(data_rows "$dir")
    if [ "$backend" = sqlite ]; then
        rm -f "$WORK"/province.db*
        url="sqlite://$WORK/province.db"
    else
        [ -n "${PROPCREDIT_TEST_PG_URL:-}" ] || start_throwaway_postgres
        local name="province_${scale//./_}_$RANDOM"
        psql -q "$PROPCREDIT_TEST_PG_URL" -c "CREATE DATABASE $name"
        url="${PROPCREDIT_TEST_PG_URL%/*}/$name"
    fi
    echo "== scale $scale on $backend ($rows rows)"
    measure "$scale" "$backend" import "$rows" "$BIN" --database-url "$url" import "$dir"
    measure "$scale" "$backend" re-import "$rows" "$BIN" --database-url "$url" import "$dir"
    measure "$scale" "$backend" rate "" "$BIN" --database-url "$url" rate --period "$PERIOD" --publish
    "$BIN" --database-url "$url" import --kind complaints "$dir/extra/new-complaints.csv" >/dev/null
    measure "$scale" "$backend" "rate again" "" "$BIN" --database-url "$url" rate --period "$PERIOD"
    reads_during_import "$scale" "$backend" "$url" "$dir"
    if [ "$backend" = sqlite ]; then
        floor "$scale" "$backend" "" "$dir" "$rows"
    else
        floor "$scale" "$backend" "$url" "$dir" "$rows"
    fi
}

for scale in $SCALES; do
    for backend in $BACKENDS; do
        bench "$scale" "$backend"
    done
done

echo
echo "== results (2 cores; rows in arbitrary order; release build)"
awk -F'\t' '
function target(backend, step) {
    if (step == "import") return backend == "sqlite" ? ">= 100000 rows/s" : ">= 200000 rows/s"
    if (step == "re-import") return ">= 300000 rows/s"
    if (step == "rate") return "<= 5 s"
    if (step == "rate again") return "<= 2 s"
    if (step == "reads") return "p99 <= 10 ms at >= 2000 req/s"
    return "(floor)"
}
BEGIN { printf "%-6s %-9s %-11s %11s %9s %13s %9s  %s\n", "scale", "database", "step", "rows", "seconds", "rows/s", "peak MiB", "target" }
{
    rate = ($4 != "" && $5 > 0 && $3 != "reads") ? sprintf("%.0f", $4 / $5) : ""
    if ($3 == "reads") printf "%-6s %-9s %-11s %11s %9s %13s %9s  %s\n", $1, $2, $3, $4 " req/s", $5, $7, "", target($2, $3)
    else printf "%-6s %-9s %-11s %11s %9s %13s %9s  %s\n", $1, $2, $3, $4, $5, rate, $6, target($2, $3)
}' "$RESULTS"
echo "   memory target: <= 1024 MiB peak RSS for every step"
