#!/usr/bin/env bash
# Prints lines of Swift per module (generated C excluded) and the number of op registrations.
set -euo pipefail
cd "$(dirname "$0")/.."
printf '%-22s %7s %6s\n' module lines files
for dir in Sources/* Tests/*; do
    n=$(find "$dir" -name '*.swift' | xargs cat 2>/dev/null | wc -l)
    f=$(find "$dir" -name '*.swift' | wc -l)
    [ "$f" -gt 0 ] && printf '%-22s %7d %6d\n' "${dir#*/}" "$n" "$f"
done
bin=.build/debug/onnxpatch
[ -x .build/release/onnxpatch ] && bin=.build/release/onnxpatch
if [ -x "$bin" ]; then "$bin" ops | tail -n 1; else echo "(build first to count registered operators)"; fi
