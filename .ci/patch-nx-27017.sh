#!/usr/bin/env bash
# Apply the MongoDB-compatibility patches in .ci/nx-27017/*.patch (in name
# order) to an nx-27017==0.8.1 installation.
# Usage: patch-nx-27017.sh SITE_PACKAGES_DIR
# Already-applied patches are detected and skipped; any hunk that does not
# apply makes the script fail.
set -euo pipefail

site="${1:?usage: $0 SITE_PACKAGES_DIR}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
patch_dir="$here/nx-27017"

if [ ! -d "$site/nx_27017" ] || [ ! -d "$site/neosqlite" ]; then
  echo "error: $site does not contain nx_27017 and neosqlite" >&2
  exit 1
fi

if ! command -v patch >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "patch(1) not found; installing it with apt-get" >&2
    sudo_cmd=""
    if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then sudo_cmd="sudo"; fi
    $sudo_cmd apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq patch
  else
    echo "error: patch(1) is required" >&2
    exit 1
  fi
fi

shopt -s nullglob
patches=("$patch_dir"/*.patch)
if [ "${#patches[@]}" -eq 0 ]; then
  echo "error: no patches found in $patch_dir" >&2
  exit 1
fi

for p in "${patches[@]}"; do
  name="$(basename "$p")"
  if patch -d "$site" -p1 --forward --dry-run --silent < "$p" >/dev/null 2>&1; then
    patch -d "$site" -p1 --forward --no-backup-if-mismatch < "$p"
    echo "applied $name"
  elif patch -d "$site" -p1 --reverse --dry-run --silent < "$p" >/dev/null 2>&1; then
    echo "already applied: $name"
  else
    echo "error: $name does not apply to $site:" >&2
    patch -d "$site" -p1 --forward --dry-run < "$p" >&2 || true
    exit 1
  fi
done

# Drop stale bytecode of the patched packages.
find "$site/nx_27017" "$site/neosqlite" -name __pycache__ -type d -prune -exec rm -rf {} + 2>/dev/null || true
echo "nx-27017 patched"
