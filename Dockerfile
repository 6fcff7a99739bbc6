# Multi-stage build: the release binary on a slim Debian runtime.
FROM rust:1-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so a source change does not rebuild them.
COPY Cargo.toml Cargo.lock ./
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
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin propcredit
WORKDIR /app
COPY --from=build /src/target/release/propcredit /usr/local/bin/propcredit
COPY scoring-rules scoring-rules
COPY fixtures fixtures
RUN mkdir -p data && chown propcredit:propcredit data
USER propcredit
# The SQLite database (the default) lives here; mount a volume to keep it.
VOLUME ["/app/data"]
ENV PROPCREDIT_SERVER__BIND=0.0.0.0:8080
EXPOSE 8080
CMD ["propcredit", "serve"]
