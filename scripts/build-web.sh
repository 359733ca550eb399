#!/usr/bin/env bash
# Builds the dashboard into web/dist with Trunk, offline (tools from scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
# Trunk runs cargo with --offline (Trunk.toml), so the crates must be here first.
cargo fetch --quiet
# Trunk finds wasm-opt (binaryen from npm) on PATH and checks its version.
export PATH="$PWD/node_modules/.bin:$PATH"
# Trunk asks crates.io for a newer trunk even when offline; nothing here needs that answer.
export TRUNK_SKIP_VERSION_CHECK=true
trunk build --release "$@"
