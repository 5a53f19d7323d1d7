#!/usr/bin/env bash
# Installs the Debian packages Lianjie builds and runs with, if any are missing.
# Swift itself (6.x) must already be on PATH.
#   --tests   also what the tests need: headless Chromium and the CJK fonts the report
#             pages are rendered with (LianjieReportsTests)
set -euo pipefail
packages=(protobuf-c-compiler libprotobuf-c-dev libsqlite3-dev libcrypt-dev libssl-dev libmicrohttpd-dev libcurl4 pkg-config python3 sqlite3)
for arg in "$@"; do
  case "$arg" in
    --tests) packages+=(chromium fonts-noto-cjk) ;;
    *) echo "usage: install-deps.sh [--tests]" >&2; exit 2 ;;
  esac
done
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
command -v swift >/dev/null || { echo "install-deps: swift is not on PATH; install Swift 6 first (swift.org)" >&2; exit 1; }
if (( ${#missing[@]} )); then
  sudo=""
  [[ $(id -u) == 0 ]] || sudo="sudo"
  echo "install-deps: installing ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
