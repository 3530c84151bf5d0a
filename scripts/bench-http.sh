#!/usr/bin/env bash
# What the HTTP layer costs: `shop bench http` after a release build of the shop and of its bare
# axum baseline. Installs the load generator, Debian's `wrk` package, when it is missing (as root,
# or through sudo). Arguments go to `shop bench http` (`--connections`, `--rounds`, `--anonymous`,
# ...); the shop runs with an API key made for the run unless `--anonymous`. The run loads
# loopback ports only and stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/ensure-wrk.sh

cargo build --release -p shop --features bench --bins
exec "${CARGO_TARGET_DIR:-target}/release/shop" bench http "$@"
