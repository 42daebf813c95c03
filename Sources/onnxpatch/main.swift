print("onnxpatch")
