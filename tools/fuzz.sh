#!/usr/bin/env bash
# Builds the libFuzzer targets of Sources/FuzzTargets (outside SwiftPM, so `swift build` never
# sees them) and runs each one for a time or a number of executions.
#
#   tools/fuzz.sh [--time SECONDS | --runs N | --regress] [TARGET...]
#
#   --time SECONDS  fuzz each target for SECONDS (default 60)
#   --runs N        fuzz each target for N executions
#   --regress       only replay Fixtures/hostile/<target>/ (the crashes found so far) and the seeds
#   TARGET          FuzzModelLoader, FuzzTensorProto, FuzzNPY, FuzzPatchSpec (default: all)
#
# The modules the targets use (TensorCore, GraphIR, ONNXImport, Patching and the C code of
# COnnxProto) are compiled with -sanitize=fuzzer,address into $FUZZ_BUILD (default
# .build-fuzz/), rebuilt when a source is newer than its object. Each target keeps a growing
# corpus in $FUZZ_BUILD/corpus/<target>/, seeded from Fixtures/. A finding (crash, trap,
# sanitizer report, leak, timeout, allocation over the limit) is written to
# $FUZZ_BUILD/findings/<target>/ and makes the script exit 1; copy it into
# Fixtures/hostile/<target>/ once fixed, so --regress (and every later run) replays it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

mode=time
amount=60
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --time) mode=time; amount=$2; shift 2 ;;
        --runs) mode=runs; amount=$2; shift 2 ;;
        --regress) mode=regress; shift ;;
        -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
        Fuzz*) targets+=("$1"); shift ;;
        *) echo "fuzz.sh: unknown argument '$1'" >&2; exit 2 ;;
    esac
done
[ ${#targets[@]} -gt 0 ] || targets=(FuzzModelLoader FuzzTensorProto FuzzNPY FuzzPatchSpec)

build=${FUZZ_BUILD:-$root/.build-fuzz}
mkdir -p "$build"/{obj,modules,bin,maps/COnnxProto}
swift_flags=(-parse-as-library -O -wmo -sanitize=fuzzer,address -g
    -I "$build/modules" -I "$root/Sources/CProtobufC" -I "$build/maps/COnnxProto"
    -Xcc -I"$root/Sources/COnnxProto/include")

# True when $1 is missing or older than any file under the folders that follow.
stale() {
    local out=$1; shift
    [ -e "$out" ] || return 0
    [ -n "$(find "$@" -newer "$out" -type f 2>/dev/null | head -1)" ]
}

# COnnxProto: the generated protobuf-c code and the budget allocator, instrumented too.
cat > "$build/maps/COnnxProto/module.modulemap" <<EOF
module COnnxProto {
    header "$root/Sources/COnnxProto/include/COnnxProto.h"
    export *
}
EOF
for c in onnx.pb-c onnx_budget_allocator; do
    if stale "$build/obj/$c.o" "$root/Sources/COnnxProto"; then
        echo "fuzz.sh: compiling $c.c"
        clang -c -O1 -g -DNDEBUG -fsanitize=fuzzer-no-link,address -I "$root/Sources/COnnxProto/include" \
            "$root/Sources/COnnxProto/$c.c" -o "$build/obj/$c.o"
    fi
done

# Swift modules in dependency order; a module is rebuilt when it or a module before it changed.
previous=()
for module in TensorCore GraphIR ONNXImport Patching; do
    if stale "$build/obj/$module.o" "$root/Sources/$module" "${previous[@]/#/$root/Sources/}"; then
        echo "fuzz.sh: compiling $module"
        swiftc "${swift_flags[@]}" -c -module-name "$module" \
            -emit-module -emit-module-path "$build/modules/$module.swiftmodule" \
            -o "$build/obj/$module.o" "$root"/Sources/"$module"/*.swift
    fi
    previous+=("$module")
done

for target in "${targets[@]}"; do
    source="$root/Sources/FuzzTargets/$target.swift"
    [ -f "$source" ] || { echo "fuzz.sh: no target $target" >&2; exit 2; }
    if stale "$build/bin/$target" "$source" "$build/obj"; then
        echo "fuzz.sh: linking $target"
        # gold warns once per ASan helper symbol; the warnings say nothing about our code.
        swiftc "${swift_flags[@]}" -module-name "$target" "$source" "$build"/obj/*.o \
            -lprotobuf-c -o "$build/bin/$target" 2> >(grep -v 'Cannot export local symbol' >&2)
    fi
done

# Seeds: the small fixtures of each format, the extra seeds and the crashes kept as regressions.
seeds() {
    case "$1" in
        FuzzModelLoader)
            find Fixtures/import -name '*.onnx' -size -64k ;;
        FuzzTensorProto)
            find Fixtures/import -name '*.pb' ;;
        FuzzNPY)
            find Fixtures/models/*/inputs Fixtures/patches -name '*.npy' -size -16k | sort | head -40 ;;
        FuzzPatchSpec)
            ;;
    esac
    for dir in "Fixtures/hostile/seeds/$1" "Fixtures/hostile/$1"; do
        [ -d "$dir" ] && find "$dir" -type f ! -name '*.md'
    done
    return 0
}

# FuzzModelLoader writes each input into this folder, next to the external-data fixtures.
scratch="$build/scratch"
mkdir -p "$scratch/sub"
cp Fixtures/import/external/weights.bin "$scratch/weights.bin"
cp Fixtures/import/external/sub/w.bin "$scratch/sub/w.bin"
export FUZZ_SCRATCH=$scratch
# Swift's own crash reporter would race ASan and libFuzzer for the report.
export SWIFT_BACKTRACE=enable=no

status=0
summary=()
for target in "${targets[@]}"; do
    corpus="$build/corpus/$target"
    findings="$build/findings/$target"
    mkdir -p "$corpus" "$findings"
    while IFS= read -r seed; do cp -n "$seed" "$corpus/seed-$(basename "$seed")" 2>/dev/null || true; done \
        < <(seeds "$target")
    dict=()
    [ -f "Sources/FuzzTargets/$target.dict" ] && dict=(-dict="Sources/FuzzTargets/$target.dict")
    common=(-rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10 -print_final_stats=1
        -artifact_prefix="$findings/" "${dict[@]}")
    log="$build/$target.log"
    if [ "$mode" = regress ]; then echo "fuzz.sh: $target: replaying"; else echo "fuzz.sh: $target: $mode $amount"; fi
    set +e
    case "$mode" in
        time) "$build/bin/$target" "${common[@]}" -max_total_time="$amount" "$corpus" >"$log" 2>&1 ;;
        runs) "$build/bin/$target" "${common[@]}" -runs="$amount" "$corpus" >"$log" 2>&1 ;;
        regress)
            files=()
            while IFS= read -r f; do files+=("$f"); done < <(seeds "$target")
            if [ ${#files[@]} -eq 0 ]; then echo "(no inputs)" >"$log"; else
                "$build/bin/$target" "${common[@]}" "${files[@]}" >"$log" 2>&1; fi ;;
    esac
    code=$?
    set -e
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    if [ $code -ne 0 ]; then
        status=1
        summary+=("$target: FINDING (exit $code) after ${runs:-?} executions; see $log and $findings/")
        grep -m 3 -E 'ERROR|Fatal error|SUMMARY|deadly signal' "$log" | sed 's/^/    /' || true
    elif [ "$mode" = regress ]; then
        summary+=("$target: replayed $(grep -c '^Running: ' "$log") inputs, no finding")
    else
        summary+=("$target: $runs executions, $speed/s, corpus $(ls "$corpus" | wc -l), no finding")
    fi
done
printf '%s\n' "${summary[@]}"
exit $status
