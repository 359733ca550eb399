#!/usr/bin/env bash
# README command 2: install what is missing, start PostgreSQL and Redis when they are down,
# check formatting and lints, build the dashboard, and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

if [ -n "${CI:-}" ]; then
  # Keep build products between CI runs on the same machine; a cold run still fits.
  export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/humanaios/target}"
fi

# Where setup.sh puts the Python packages the OTLP test runs (the test reads it too).
export HUMANAIOS_TEST_VENV="${HUMANAIOS_TEST_VENV:-${HUMANAIOS_CACHE:-$HOME/.cache/humanaios}/venv}"
scripts/setup.sh --with-browser

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  say "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  say "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
fi
if ! psql -h 127.0.0.1 -U postgres -d postgres -Atc 'select 1' >/dev/null 2>&1; then
  echo "PostgreSQL at 127.0.0.1:5432 refuses password-less TCP for user postgres;" >&2
  echo "set HUMANAIOS_TEST_POSTGRES_URL=postgres://USER:PASSWORD@HOST:PORT/postgres" >&2
  [ -n "${HUMANAIOS_TEST_POSTGRES_URL:-}" ] || exit 1
fi

say "cargo fmt --check"
cargo fmt --all -- --check
say "cargo clippy (server crates, all targets)"
cargo clippy --all-targets -- -D warnings
say "cargo clippy (dashboard, wasm32)"
cargo clippy -p web --target wasm32-unknown-unknown -- -D warnings

say "building the dashboard"
scripts/build-web.sh

say "running the tests"
cargo test --workspace --exclude web
say "running the dashboard's unit tests"
cargo test -p web
