#!/usr/bin/env bash
# Installs the load generator the benchmarks drive, Debian's `wrk` package, when it is missing (as
# root, or through sudo). The benchmark scripts run it first.
set -euo pipefail

if ! command -v wrk >/dev/null 2>&1; then
  echo "wrk is missing: installing Debian's wrk package" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get install -y wrk || { $sudo apt-get update && $sudo apt-get install -y wrk; }
fi
