#!/usr/bin/env bash
# Installs what building HumanAIOS needs, skipping whatever is already there: the wasm32
# target, trunk, wasm-bindgen-cli (the version Cargo.lock pins) and the npm packages
# (wasm-opt from binaryen, GraphiQL's scripts, playwright-core, and the MCP tests' peers:
# server-everything, the conformance suite and the Node 22 it runs on). With --with-browser, also
# what the tests use: Debian's chromium and brotli, and a Python virtualenv with the
# OpenTelemetry SDK and exporter (api/tests/otlp_requirements.txt) and the MCP SDK
# (api/tests/mcp_requirements.txt) at $HUMANAIOS_TEST_VENV
# (default ${HUMANAIOS_CACHE:-~/.cache/humanaios}/venv). Everything comes from the package
# registries; nothing is downloaded at build time.
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if [ "$(trunk --version 2>/dev/null | awk '{print $2}')" != "$TRUNK_VERSION" ]; then
  say "installing trunk $TRUNK_VERSION (a few minutes, once)"
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi

# wasm-bindgen-cli must match the wasm-bindgen crate exactly.
BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$BINDGEN_VERSION" ]; then
  say "installing wasm-bindgen-cli $BINDGEN_VERSION (a few minutes, once)"
  # Not --locked: its lock file names crate versions the registry may no longer serve.
  cargo install wasm-bindgen-cli --version "$BINDGEN_VERSION"
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "installing npm packages"
  npm ci --no-audit --no-fund
fi

[ "${1:-}" = "--with-browser" ] || exit 0
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v brotli >/dev/null || missing+=(brotli)
python3 -c 'import ensurepip, venv' 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} from Debian"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
fi

# The OTLP test runs a real OpenTelemetry exporter, the MCP test the official MCP client;
# their packages live in their own venv, reinstalled only when a pinned list changes.
VENV="${HUMANAIOS_TEST_VENV:-${HUMANAIOS_CACHE:-$HOME/.cache/humanaios}/venv}"
REQUIREMENTS=(api/tests/otlp_requirements.txt api/tests/mcp_requirements.txt)
if [ ! -x "$VENV/bin/python" ] || ! cat "${REQUIREMENTS[@]}" | cmp -s - "$VENV/requirements.txt"; then
  say "installing the OpenTelemetry and MCP Python packages into $VENV"
  python3 -m venv "$VENV"
  pip_args=()
  for list in "${REQUIREMENTS[@]}"; do pip_args+=(-r "$list"); done
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "${pip_args[@]}"
  cat "${REQUIREMENTS[@]}" > "$VENV/requirements.txt"
fi
