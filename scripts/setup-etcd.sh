#!/usr/bin/env bash
# Installs a real etcd server for the etcd system under test (lab/systems/etcd): Debian's etcd-server
# package where apt can, otherwise a build of etcd's server module into .tools/bin/etcd.
# Run with `npm run setup:etcd`; it does nothing when an etcd is already on PATH or in .tools/bin.
set -euo pipefail
cd "$(dirname "$0")/.."
goVersion=3.5.17
bin=.tools/bin
if [ -x "$bin/etcd" ]; then
  echo "etcd is already in $bin: $("$bin/etcd" --version | head -1)"
  exit 0
fi
if command -v etcd >/dev/null; then
  echo "etcd is already on PATH at $(command -v etcd): $(etcd --version | head -1)"
  exit 0
fi
# apt needs root; the package's service unit does not start where systemd does not run (containers, CI).
if command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
  if (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server >/dev/null) && command -v etcd >/dev/null; then
    echo "etcd-server installed by apt: $(etcd --version | head -1)"
    exit 0
  fi
  echo "apt could not install etcd-server; building etcd $goVersion with Go" >&2
fi
command -v go >/dev/null || { echo "setup:etcd needs apt (as root) or Go on PATH" >&2; exit 1; }
mkdir -p "$bin"
# `go install go.etcd.io/etcd/server/v3@v...` refuses: the server's go.mod has replace directives (its
# sibling modules by relative path). A throwaway main module that requires it ignores them.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(
  cd "$work"
  go mod init faultline-etcd-build >/dev/null 2>&1
  go get "go.etcd.io/etcd/server/v3@v$goVersion"
  go build -o etcd go.etcd.io/etcd/server/v3
)
mv -f "$work/etcd" "$bin/etcd"
"$bin/etcd" --version | head -1
