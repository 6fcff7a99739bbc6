#!/usr/bin/env bash
# Load test: minutes of mixed traffic on loopback against the
# release build on SQLite — public rankings, company pages and credit files
# (admin token), password sign-ins, and an import of new survey rows every
# 30 s — then prints throughput, latency percentiles, every error and the
# server's memory over time. Exits non-zero on any error or failed import.
#   bash scripts/bench-load.sh            # 5 minutes
#   DURATION=60 RATE=4000 bash scripts/bench-load.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-300}
# Requests per second the readers aim at: a little above the API benchmark's
# target of 2,000. Each of the 16 connections waits between its requests (less
# about 2 ms for the answer itself); the rate reached is printed.
RATE=${RATE:-2400}
CONNECTIONS=16
DELAY_MS=$(( CONNECTIONS * 1000 / RATE - 2 ))
[ "$DELAY_MS" -lt 0 ] && DELAY_MS=0
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
WORK=$(mktemp -d /tmp/propcredit-bench-load.XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

cargo build --release --locked -q
BIN=$PWD/target/release/propcredit
DB="sqlite://$WORK/city.db"
PERIOD=2026Q2
export RUST_LOG=warn

echo "== preparing a published city quarter (2,000 companies, 10,000 communities)"
"$BIN" generate --seed 11 --companies 2000 --communities 10000 --periods "$PERIOD" --out "$WORK/city" >/dev/null
"$BIN" --database-url "$DB" import "$WORK/city" | tail -1
"$BIN" --database-url "$DB" rate --period "$PERIOD" --publish | head -1
ADMIN=$("$BIN" --database-url "$DB" user add --name bench --role admin | tail -1)
INSPECTOR=$("$BIN" --database-url "$DB" user add --name field --role inspector | tail -1)
echo "load-test password 1" | "$BIN" --database-url "$DB" user add --name pat --role admin --password-stdin >/dev/null
"$BIN" --database-url "$DB" export --period "$PERIOD" | sed -n '2,400p' | cut -d, -f2 > "$WORK/codes.txt"
COMMUNITY=$(sed -n 2p "$WORK/city/communities.csv" | cut -d, -f1)

PORT=18081
PROPCREDIT_SCHEDULER__ENABLED=false "$BIN" --database-url "$DB" serve --bind "127.0.0.1:$PORT" &
SERVER=$!
PIDS+=("$SERVER")
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.2; done
BASE="http://127.0.0.1:$PORT"
curl -sf "$BASE/api/v1/periods/$PERIOD/rankings" >/dev/null

cat > "$WORK/reads.lua" <<LUA
-- Half public ranking pages, a third company pages, the rest credit files.
local codes = {}
for line in io.lines("$WORK/codes.txt") do codes[#codes + 1] = line end
local i = 0
local auth = { ["Authorization"] = "Bearer $ADMIN" }
delay = function()
  return $DELAY_MS
end
request = function()
  i = i + 1
  local k = i % 6
  local code = codes[(i % #codes) + 1]
  if k < 3 then
    return wrk.format("GET", "/api/v1/periods/$PERIOD/rankings?page=" .. ((i % 40) + 1))
  elseif k < 5 then
    return wrk.format("GET", "/api/v1/companies/" .. code, auth)
  else
    return wrk.format("GET", "/api/v1/companies/" .. code .. "/credit-file", auth)
  end
end
LUA
cat > "$WORK/signin.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"name": "pat", "password": "load-test password 1"}'
wrk.headers["Content-Type"] = "application/json"
LUA

# The server's resident memory every 15 s.
( while kill -0 "$SERVER" 2>/dev/null; do
    awk '/VmRSS/ {print $2}' "/proc/$SERVER/status" >> "$WORK/rss.txt" 2>/dev/null || true
    sleep 15
  done ) &
PIDS+=("$!")

# An import of 2,000 new survey rows every 30 s.
( n=0
  while true; do
    n=$((n + 1))
    { echo "response_id,community_code,surveyed_on,respondent,overall"
      for j in $(seq 1 2000); do echo "L${n}-$j,$COMMUNITY,2026-05-1$((j % 9)),H$j,$((1 + j % 5))"; done
    } > "$WORK/import.csv"
    code=$(curl -s -o "$WORK/import.out" -w '%{http_code}' -H "Authorization: Bearer $INSPECTOR" \
        -H "Content-Type: text/csv" --data-binary "@$WORK/import.csv" "$BASE/api/v1/imports/surveys")
    echo "$code" >> "$WORK/imports.txt"
    sleep 30
  done ) &
PIDS+=("$!")

echo "== ${DURATION}s: reads (1 wrk thread, $CONNECTIONS connections, aiming at $RATE requests/s) and sign-ins (1 connection) at once"
wrk -t1 -c1 -d"${DURATION}s" --latency -s "$WORK/signin.lua" "$BASE/api/v1/session" > "$WORK/signin.txt" &
SIGNIN=$!
wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$WORK/reads.lua" "$BASE" > "$WORK/reads.txt"
wait "$SIGNIN"

report() {
    grep -E "requests in|Requests/sec|Latency  |50%|90%|99%|Non-2xx|Socket errors" "$1" | sed 's/^/  /'
}
echo "reads (rankings, company pages, credit files):"; report "$WORK/reads.txt"
echo "sign-ins (argon2id, one at a time):"; report "$WORK/signin.txt"
echo "imports every 30 s: $(sort "$WORK/imports.txt" | uniq -c | tr '\n' ' ')"
echo "server RSS (MiB, every 15 s): $(awk '{printf "%d ", $1/1024}' "$WORK/rss.txt")"

failed=0
grep -qE "Non-2xx|Socket errors" "$WORK/reads.txt" "$WORK/signin.txt" && { echo "FAIL: errors under load"; failed=1; }
grep -qv '^200$' "$WORK/imports.txt" && { echo "FAIL: an import did not answer 200"; failed=1; }
exit "$failed"
