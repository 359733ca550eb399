#!/usr/bin/env bash
# README command 1: install what is missing, build the dashboard and the server, and serve
# http://127.0.0.1:8080 on a SQLite file in ./data, with demo data on first start.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build-web.sh
cargo build --release -p humanaios
exec "${CARGO_TARGET_DIR:-target}/release/humanaios" serve --demo "$@"
