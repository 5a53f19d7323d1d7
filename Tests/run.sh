#!/usr/bin/env bash
# The README's second command (and CI's): installs what is missing, checks generated code
# is fresh, fuzzes the frame decoder and message decoding for a bounded time, checks every
# message type's round trips for leaks under AddressSanitizer (with the fuzzer just built),
# builds, fuzzes every RPC method in process for a bounded time, then runs every other test
# in parallel. The report pages are rendered in headless Chromium, which must be there.
set -euo pipefail
cd "$(dirname "$0")/.."
Deploy/install-deps.sh --tests
export LIANJIE_REQUIRE_CHROMIUM=1

echo "== generated code"
Proto/generate.sh --check

echo "== fuzzing the frame decoder and message decoding (${LIANJIE_FUZZ_SECONDS:-10} s each)"
Tests/Fuzz/run.sh "${LIANJIE_FUZZ_SECONDS:-10}"

echo "== message round trips under AddressSanitizer/LeakSanitizer"
Tests/leak-check.sh

echo "== all tests"
swift build --build-tests
echo "== fuzzing every RPC method with random well-formed requests (${LIANJIE_FUZZ_SECONDS:-10} s)"
LIANJIE_RPC_FUZZ_SECONDS="${LIANJIE_FUZZ_SECONDS:-10}" swift test --skip-build --disable-swift-testing --filter RPCFuzzTests
# Every other test, a process per test on every core (RPCFuzzTests ran above).
swift test --skip-build --disable-swift-testing --parallel --skip RPCFuzzTests
