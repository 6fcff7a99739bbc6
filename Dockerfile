# syntax=docker/dockerfile:1
# Multi-stage build: the release binary, then a slim Debian runtime that runs
# it as a non-root user with the SQLite data directory as a volume.
# (scripts/replay-dockerfile.sh replays these steps without a Docker engine.)
FROM rust:1-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so a source change does not rebuild them.
COPY Cargo.toml Cargo.lock askama.toml ./
COPY .cargo .cargo
RUN mkdir src && echo 'fn main() {}' > src/main.rs && touch src/lib.rs \
    && cargo build --release --locked \
    && rm -rf src
COPY src src
COPY migrations migrations
RUN touch src/main.rs src/lib.rs && cargo build --release --locked

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 propcredit \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --shell /usr/sbin/nologin propcredit
WORKDIR /app
COPY --from=build /src/target/release/propcredit /usr/local/bin/propcredit
COPY scoring-rules scoring-rules
COPY fixtures fixtures
RUN mkdir -p data config && chown propcredit:propcredit data
# The numeric id, so that a cluster can check it is not root (runAsNonRoot).
USER 10001:10001
# The SQLite database (the default) lives here; mount a volume to keep it.
# With PostgreSQL, set PROPCREDIT_DATABASE__URL and nothing is kept here.
VOLUME ["/app/data"]
ENV PROPCREDIT_SERVER__BIND=0.0.0.0:8080
EXPOSE 8080
STOPSIGNAL SIGTERM
CMD ["propcredit", "serve"]
