#!/usr/bin/env bash
# The HTTP contract, tested from outside: Schemathesis (from PyPI, in a
# throwaway virtualenv) generates requests from /api/v1/openapi.json and
# checks every answer against the document — no server errors, only
# documented status codes and content types, bodies that match their
# schemas — as an admin, as a company user and anonymously.
#
#   bash scripts/contract-test.sh [path/to/propcredit]   (default: target/debug/propcredit)
#
# Exits non-zero on any failure. CONTRACT_MAX_EXAMPLES (default 25) sets
# how many cases each operation gets per phase. One worker: with two, the
# generator's threads can trip CPython 3.11's parser ("AST constructor
# recursion depth mismatch"), a failure of the tool, not of the API.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-target/debug/propcredit}
EXAMPLES=${CONTRACT_MAX_EXAMPLES:-25}
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

python3 -m venv "$WORK/venv"
"$WORK/venv/bin/pip" install --quiet --disable-pip-version-check 'schemathesis>=4.3,<5'

DB="sqlite://$WORK/contract.db"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export PROPCREDIT_SCHEDULER__ENABLED=false
"$BIN" --database-url "$DB" serve --demo --bind "127.0.0.1:$PORT" > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do
    curl -fsS "http://127.0.0.1:$PORT/health" > /dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
    sleep 0.2
done
COMPANY=$(sed -n 2p fixtures/demo/companies.csv | cut -d, -f1)
ADMIN_TOKEN=$("$BIN" --database-url "$DB" user add --name contract-admin --role admin | tail -1)
COMPANY_TOKEN=$("$BIN" --database-url "$DB" user add --name contract-company --role company --company "$COMPANY" | tail -1)

status=0
for who in admin company anonymous; do
    header=()
    case $who in
        admin) header=(-H "Authorization: Bearer $ADMIN_TOKEN") ;;
        company) header=(-H "Authorization: Bearer $COMPANY_TOKEN") ;;
    esac
    echo "== Schemathesis as $who" >&2
    if ! (cd "$WORK" && "$WORK/venv/bin/st" run "http://127.0.0.1:$PORT/api/v1/openapi.json" \
        --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
        --phases examples,coverage,fuzzing --max-examples "$EXAMPLES" --seed 1 \
        --suppress-health-check all --request-timeout 30 --workers 1 \
        "${header[@]}") > "$WORK/st-$who.log" 2>&1; then
        status=1
    fi
    grep -E "passed|failed|error" "$WORK/st-$who.log" | tail -3 >&2 || true
    if [ "$status" != 0 ]; then cat "$WORK/st-$who.log" >&2; fi
done
kill -0 "$SERVER_PID" 2>/dev/null || { echo "the server died:" >&2; tail -20 "$WORK/server.log" >&2; exit 1; }
exit $status
