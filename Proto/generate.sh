#!/usr/bin/env bash
# Regenerates every file made from Proto/*.proto:
#   Sources/CLianjieProto/          protoc-c's C structs and descriptors
#   Sources/LianjieMessages/Generated/  Swift value types, JSON, method descriptors
#   Sources/LianjieClient/Generated/    typed client stubs
#   Proto/API.md                         the RPC reference, from the comments beside each rpc
# Usage: Proto/generate.sh          write the files
#        Proto/generate.sh --check  regenerate into a scratch tree and fail on any difference
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

check=0
[[ "${1:-}" == "--check" ]] && check=1

command -v protoc-c >/dev/null || { echo "generate.sh: protoc-c is missing (apt-get install protobuf-c-compiler)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mapfile -t protos < <(cd Proto && find lianjie -name '*.proto' | LC_ALL=C sort)

mkdir -p "$work/c"
protoc-c -IProto --c_out="$work/c" --descriptor_set_out="$work/descriptors.pb" \
    --include_source_info --include_imports "${protos[@]/#/Proto/}"

out="$work/out"
mkdir -p "$out/CLianjieProto/include" "$out/CLianjieProto/generated" "$out/messages" "$out/client"
(cd "$work/c" && find . -name '*.pb-c.h' -exec cp --parents {} "$out/CLianjieProto/include/" \;)
(cd "$work/c" && find . -name '*.pb-c.c' | while read -r f; do
    cp "$f" "$out/CLianjieProto/generated/$(echo "${f#./}" | tr / _)"; done)

swift build -q --product lianjie-protogen >&2
gen=$(swift build --product lianjie-protogen --show-bin-path)/lianjie-protogen
"$gen" "$work/descriptors.pb" "$out/messages" "$out/client" "$out/CLianjieProto/generated" "$out/API.md"
mv "$out/CLianjieProto/generated/include/lianjie_descriptors.h" "$out/CLianjieProto/include/"
rmdir "$out/CLianjieProto/generated/include"

pairs=(
  "$out/CLianjieProto/include/lianjie:Sources/CLianjieProto/include/lianjie"
  "$out/CLianjieProto/include/lianjie_descriptors.h:Sources/CLianjieProto/include/lianjie_descriptors.h"
  "$out/CLianjieProto/generated:Sources/CLianjieProto/generated"
  "$out/messages:Sources/LianjieMessages/Generated"
  "$out/client:Sources/LianjieClient/Generated"
  "$out/API.md:Proto/API.md"
)
if (( check )); then
  status=0
  for p in "${pairs[@]}"; do
    if ! diff -r "${p%%:*}" "${p#*:}" >/dev/null 2>&1; then
      echo "generate.sh --check: ${p#*:} is stale; run Proto/generate.sh and commit" >&2
      diff -r "${p%%:*}" "${p#*:}" | head -20 >&2 || true
      status=1
    fi
  done
  (( status == 0 )) && echo "generated code is fresh"
  exit $status
fi
for p in "${pairs[@]}"; do
  rm -rf "${p#*:}"
  mkdir -p "$(dirname "${p#*:}")"
  cp -r "${p%%:*}" "${p#*:}"
done
echo "regenerated from ${#protos[@]} proto files"
