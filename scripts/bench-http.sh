#!/usr/bin/env bash
# What the HTTP layer costs: `shop bench http` after a release build of the shop and of its bare
# axum baseline. Installs the load generator, Debian's `wrk` package, when it is missing (as root,
# or through sudo). Arguments go to `shop bench http` (`--connections`, `--rounds`, `--anonymous`,
# ...); the shop runs with an API key made for the run unless `--anonymous`. The run loads
# loopback ports only and stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v wrk >/dev/null 2>&1; then
  echo "wrk is missing: installing Debian's wrk package" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get install -y wrk || { $sudo apt-get update && $sudo apt-get install -y wrk; }
fi

cargo build --release -p shop --features bench --bins
exec "${CARGO_TARGET_DIR:-target}/release/shop" bench http "$@"
