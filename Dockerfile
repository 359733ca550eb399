# Production image: the dashboard and the server built in one stage, run from a slim one.
FROM rust:1.95-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN scripts/setup.sh && scripts/build-web.sh && cargo build --release -p humanaios

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home /var/lib/humanaios humanaios && mkdir -p /var/lib/humanaios \
    && chown humanaios /var/lib/humanaios
COPY --from=build /src/target/release/humanaios /usr/local/bin/humanaios
USER humanaios
WORKDIR /var/lib/humanaios
ENV HUMANAIOS_BIND=0.0.0.0:8080 HUMANAIOS_DATA_DIR=/var/lib/humanaios
EXPOSE 8080
CMD ["humanaios", "serve"]
