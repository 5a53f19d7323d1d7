#!/usr/bin/env bash
# Builds the frame-decoder fuzzer and runs it for SECONDS (default 30) from a seed corpus.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-30}
out=.build-fuzz
mkdir -p "$out/corpus"
# The linker's "cannot export local symbol __asan_*" notes are noise: keep them in a log.
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name LianjieWireFuzz \
  Sources/LianjieWire/*.swift Tests/Fuzz/FrameDecoderFuzz.swift -o "$out/frame-decoder-fuzz" \
  >"$out/build.log" 2>&1 || { cat "$out/build.log" >&2; exit 1; }
cp Tests/Fuzz/seeds/* "$out/corpus/" 2>/dev/null || true
"$out/frame-decoder-fuzz" -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 \
  -artifact_prefix="$out/" "$out/corpus" 2>&1 | grep -E "^(stat::number_of_executed_units|Done|==|SUMMARY|INFO: seed)" || true
# libFuzzer exits non-zero on a crash; pipefail would hide the artifact name, so check again.
if ls "$out"/crash-* "$out"/leak-* "$out"/timeout-* >/dev/null 2>&1; then
  echo "fuzz: the decoder failed; reproduce with $out/frame-decoder-fuzz $(ls "$out"/crash-* "$out"/leak-* "$out"/timeout-* 2>/dev/null | head -1)" >&2
  exit 1
fi
