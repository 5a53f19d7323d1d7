#!/usr/bin/env bash
# Builds the two fuzzers — the frame decoder, and message decoding (protobuf through the
# protobuf-c bridge, proto3 JSON) — and runs them side by side for SECONDS (default 30)
# from seeds.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-30}
out=.build-fuzz
mkdir -p "$out/corpus" "$out/c" "$out/messages-corpus"
# The two fuzzers build side by side, and the generated C two files at a time: each step
# alone keeps one core busy. The linker's "cannot export local symbol __asan_*" notes are
# noise: keep them in logs.
swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name LianjieWireFuzz \
  Sources/LianjieWire/*.swift Tests/Fuzz/FrameDecoderFuzz.swift -o "$out/frame-decoder-fuzz" \
  >"$out/build-frame.log" 2>&1 &
frame=$!
cp Tests/Fuzz/seeds/* "$out/corpus/" 2>/dev/null || true

# The message fuzzer links protoc-c's generated C, built with the same sanitizers.
printf '%s\n' Sources/CLianjieProto/generated/*.c \
  | xargs -P "$(nproc)" -I{} sh -c 'clang -c -O1 -fsanitize=fuzzer-no-link,address -ISources/CLianjieProto/include "$1" -o "$2/c/$(basename "$1" .c).o"' \
      _ {} "$out" >"$out/build-c.log" 2>&1 || { cat "$out/build-c.log" >&2; exit 1; }
# -Onone: the generated message code takes 3.8 min to build with -O and 1.1 min without, and
# fuzzes as fast either way (the time goes to protobuf-c and AddressSanitizer: 2026-12-02,
# 240k inputs in 20 s with -O, 226k without).
swiftc -sanitize=fuzzer,address -parse-as-library -Onone -module-name LianjieMessagesFuzz -ISources/CLianjieProto/include -ISources/CProtobufC \
  $(find Sources/LianjieMessages -name '*.swift' | sort) Tests/Fuzz/MessageDecodingFuzz.swift "$out"/c/*.o -lprotobuf-c \
  -o "$out/message-decoding-fuzz" >"$out/build-messages.log" 2>&1 || { cat "$out/build-messages.log" >&2; exit 1; }
wait "$frame" || { cat "$out/build-frame.log" >&2; exit 1; }
cp Tests/Fuzz/message-seeds/* "$out/messages-corpus/" 2>/dev/null || true

run() {
  local name=$1 corpus=$2
  "$out/$name" -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 -artifact_prefix="$out/$name-" "$corpus" 2>&1 \
    | grep -E "^(stat::number_of_executed_units|Done|==|SUMMARY|INFO: seed)" | sed "s/^/$name: /" || true
}
# Both at once, a core each.
run frame-decoder-fuzz "$out/corpus" &
run message-decoding-fuzz "$out/messages-corpus" &
wait
# libFuzzer exits non-zero on a crash; the pipe hides that, so look for what it left behind.
if ls "$out"/*crash-* "$out"/*leak-* "$out"/*timeout-* >/dev/null 2>&1; then
  echo "fuzz: a fuzzer found a failure; reproduce with $(ls "$out"/*crash-* "$out"/*leak-* "$out"/*timeout-* 2>/dev/null | head -1)" >&2
  exit 1
fi
