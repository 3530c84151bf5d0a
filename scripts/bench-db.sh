#!/usr/bin/env bash
# The database path against hand-written code: `shop bench db` after a release build of the shop
# and of its axum + driver baseline (`bare-mongo`), against the server MONGODB_URI names (a fresh
# database, dropped at the end). Installs the load generator, Debian's `wrk` package, when it is
# missing (as root, or through sudo). Arguments go to `shop bench db`.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${MONGODB_URI:-}" ]; then
  echo "MONGODB_URI is not set: name the server to measure against" >&2
  exit 2
fi
scripts/ensure-wrk.sh

cargo build --release -p shop --features bench --bins
exec "${CARGO_TARGET_DIR:-target}/release/shop" bench db "$@"
