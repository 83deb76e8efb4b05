#!/usr/bin/env bash
# Installs the real Shopify Toxiproxy server into .tools/bin/toxiproxy-server with `go install`.
# Run with `npm run setup:toxiproxy`; it does nothing when the right version is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
version=2.12.0
bin=.tools/bin
if [ -x "$bin/toxiproxy-server" ] && "$bin/toxiproxy-server" -version 2>/dev/null | grep -q "$version"; then
  echo "toxiproxy-server $version is already in $bin"
  exit 0
fi
command -v go >/dev/null || { echo "setup:toxiproxy needs Go on PATH" >&2; exit 1; }
mkdir -p "$bin"
GOBIN="$PWD/$bin" go install -ldflags "-X github.com/Shopify/toxiproxy/v2.Version=$version" \
  "github.com/Shopify/toxiproxy/v2/cmd/server@v$version"
mv -f "$bin/server" "$bin/toxiproxy-server"
"$bin/toxiproxy-server" -version
