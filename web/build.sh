#!/usr/bin/env bash
# Build the dashboard (static export in web/out) and copy it where the API serves it at "/".
# `npm ci` installs exactly the committed lock file; it runs only when node_modules is missing
# or older than the lock file.
set -euo pipefail
cd "$(dirname "$0")"
target=../src/optionswarm/api/static/dashboard
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  npm ci --no-audit --no-fund
  touch node_modules
fi
npm run build
rm -rf "$target"
mkdir -p "$target"
cp -R out/. "$target/"
echo "dashboard built into $target"
