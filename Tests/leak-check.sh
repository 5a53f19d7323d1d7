#!/usr/bin/env bash
# Runs the message round-trip tests under AddressSanitizer with LeakSanitizer and fails on
# any memory error, or on any leak whose allocation stack passes through our code (the
# generated protobuf-c layer, protobuf-c itself, or LianjieMessages). XCTest's own
# harness leaks a few objects at exit; those stacks never touch our code and are ignored.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=.build-asan
swift build --build-tests --sanitize=address --scratch-path "$scratch" >"$scratch.log" 2>&1 || { cat "$scratch.log" >&2; exit 1; }
report=$(mktemp)
trap 'rm -f "$report"' EXIT
ASAN_OPTIONS=detect_leaks=1 swift test --skip-build --sanitize=address --scratch-path "$scratch" \
  --disable-swift-testing --filter LianjieMessagesTests >"$report" 2>&1 || true
if ! grep -q "Executed [1-9][0-9]* tests, with 0 failures" "$report"; then
  echo "leak-check: the round-trip tests did not pass under AddressSanitizer" >&2
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
  | awk 'BEGIN{RS="";} /15LianjieMessages|protobuf_c_|lianjie__|CArena/ {print; print ""}')
if [[ -n "$ours" ]]; then
  echo "leak-check: memory allocated by the message layer leaked:" >&2
  echo "$ours" | head -60 >&2
  exit 1
fi
echo "leak-check: message round trips clean under AddressSanitizer/LeakSanitizer ($(grep -o 'Executed [0-9]* tests' "$report" | tail -1))"
