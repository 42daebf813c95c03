#!/usr/bin/env bash
# Regenerates Sources/COnnxProto/{onnx.pb-c.c,include/onnx.pb-c.h} from onnx.proto of the pinned
# onnx pip package (1.23.2, IR version 14). Needs `protoc-c` (Debian: protobuf-c-compiler).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
want=1.23.2
onnx_dir=$(python3 -c 'import onnx, os; print(os.path.dirname(onnx.__file__))')
have=$(python3 -c 'import onnx; print(onnx.__version__)')
[ "$have" = "$want" ] || { echo "error: onnx $want expected, found $have (pip install onnx==$want)" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
protoc-c --proto_path="$onnx_dir" --c_out="$tmp" "$onnx_dir/onnx.proto"
cp "$tmp/onnx.pb-c.c" "$here/Sources/COnnxProto/onnx.pb-c.c"
cp "$tmp/onnx.pb-c.h" "$here/Sources/COnnxProto/include/onnx.pb-c.h"
echo "regenerated from $onnx_dir/onnx.proto (onnx $have, $(protoc-c --version | head -1))"
