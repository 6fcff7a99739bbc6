#!/usr/bin/env bash
# Every test: formatting, lints, unit tests, and the integration tests on
# SQLite and on a throwaway PostgreSQL this script starts and removes.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/throwaway-postgres.sh

if ! start_throwaway_postgres; then
    if [ "${CI:-}" = "true" ]; then
        echo "PostgreSQL could not be started; under CI that fails the run." >&2
        exit 1
    fi
    echo "WARNING: PostgreSQL could not be started; its tests will fail." >&2
fi

# The browser tests drive Debian's headless Chromium through chromedriver.
if ! command -v chromedriver > /dev/null || ! command -v chromium > /dev/null; then
    echo "== installing chromium and chromium-driver for the browser tests" >&2
    SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver fonts-noto-cjk > /dev/null
fi

echo "== cargo fmt --check" >&2
cargo fmt --check
echo "== cargo clippy" >&2
cargo clippy --all-targets --locked -- -D warnings
echo "== build the tests (and the binary they run)" >&2
cargo test --locked --no-run
echo "== contract test (Schemathesis against the running service)" >&2
bash scripts/contract-test.sh "${CARGO_TARGET_DIR:-target}/debug/propcredit"
echo "== cargo test" >&2
cargo test --locked
echo "== backup, destroy, restore, compare (scripts/test-backup.sh)" >&2
bash scripts/test-backup.sh "${CARGO_TARGET_DIR:-target}/debug/propcredit" 
