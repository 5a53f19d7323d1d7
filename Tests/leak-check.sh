#!/usr/bin/env bash
# Checks message round trips for memory errors and leaks under AddressSanitizer and
# LeakSanitizer, with the message fuzzer Tests/Fuzz/run.sh built: at start-up it sends every
# message type's default through the binary and JSON encodings, then it decodes, re-encodes
# and re-reads each seed input once (`-runs=0`). Fails on any memory error, or on any leak
# whose allocation stack passes through our code (the generated protobuf-c layer, its unpack arena,
# protobuf-c itself, or LianjieMessages). (The fuzzing itself, in Tests/Fuzz/run.sh, fails
# on a leak in any input it tries.)
set -euo pipefail
cd "$(dirname "$0")/.."
fuzzer=.build-fuzz/message-decoding-fuzz
[[ -x "$fuzzer" ]] || { echo "leak-check: $fuzzer is missing; run Tests/Fuzz/run.sh first" >&2; exit 1; }
report=$(mktemp)
trap 'rm -f "$report"' EXIT
ASAN_OPTIONS=detect_leaks=1 "$fuzzer" -runs=0 -max_len=4096 Tests/Fuzz/message-seeds >"$report" 2>&1 || true
if ! grep -q "^Done\|INFO: seed corpus: files: [1-9]" "$report"; then
  echo "leak-check: the message fuzzer did not run its seeds" >&2
  tail -40 "$report" >&2
  exit 1
fi
if grep -q "ERROR: AddressSanitizer" "$report"; then
  echo "leak-check: AddressSanitizer found a memory error" >&2
  grep -A30 "ERROR: AddressSanitizer" "$report" | head -60 >&2
  exit 1
fi
# Split the leak report into one block per leak and keep those that mention our code.
ours=$(awk '/^(Direct|Indirect) leak/ {if (b) print b; b=$0; next} /^    #/ {b=b"\n"$0} END {if (b) print b}' RS='\n' "$report" \
  | awk 'BEGIN{RS="";} /LianjieMessages|protobuf_c_|lianjie__|CArena|lj_pb_/ {print; print ""}')
if [[ -n "$ours" ]]; then
  echo "leak-check: memory allocated by the message layer leaked:" >&2
  echo "$ours" | head -60 >&2
  exit 1
fi
if grep -q "ERROR: LeakSanitizer" "$report" && [[ -z "$ours" ]]; then
  echo "leak-check: leaks outside the message layer only (the runtime's), ignored"
fi
echo "leak-check: every message type's default and $(grep -o 'seed corpus: files: [0-9]*' "$report" | head -1 | grep -o '[0-9]*$') seed inputs round-trip clean under AddressSanitizer/LeakSanitizer"
