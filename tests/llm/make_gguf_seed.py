# Writes tests/fuzz/seeds/fuzz_gguf/tiny-llama.gguf with Python's struct alone: a GGUF v3 file
# that is independent of our writer (the unit tests read it as a cross-check) and that seeds the
# GGUF fuzzer with every metadata value type, nested arrays, and F32, F16 and Q8_0 tensors.
# Run: python3 tests/llm/make_gguf_seed.py
import struct, os

def s(x):
    b = x.encode()
    return struct.pack("<Q", len(b)) + b

def kv(key, vtype, payload):
    return s(key) + struct.pack("<I", vtype) + payload

arch = "llama"
kvs = [
    kv("general.architecture", 8, s(arch)),
    kv("general.alignment", 4, struct.pack("<I", 32)),
    kv(arch + ".context_length", 4, struct.pack("<I", 64)),
    kv(arch + ".embedding_length", 4, struct.pack("<I", 32)),
    kv(arch + ".block_count", 4, struct.pack("<I", 1)),
    kv(arch + ".feed_forward_length", 4, struct.pack("<I", 32)),
    kv(arch + ".attention.head_count", 4, struct.pack("<I", 2)),
    kv(arch + ".attention.head_count_kv", 10, struct.pack("<Q", 1)),
    kv(arch + ".attention.layer_norm_rms_epsilon", 6, struct.pack("<f", 1e-5)),
    kv(arch + ".rope.freq_base", 12, struct.pack("<d", 10000.0)),
    kv("test.u8", 0, struct.pack("<B", 200)), kv("test.i8", 1, struct.pack("<b", -5)),
    kv("test.u16", 2, struct.pack("<H", 60000)), kv("test.i16", 3, struct.pack("<h", -300)),
    kv("test.i32", 5, struct.pack("<i", -70000)), kv("test.i64", 11, struct.pack("<q", -(1 << 40))),
    kv("test.bool", 7, struct.pack("<B", 1)),
    kv("tokenizer.ggml.tokens", 9, struct.pack("<IQ", 8, 3) + s("<s>") + s("\u2581hi") + s("")),
    kv("test.nested", 9, struct.pack("<IQ", 9, 2) + struct.pack("<IQ", 4, 1) + struct.pack("<I", 7)
       + struct.pack("<IQ", 4, 0)),
]
tensors = []  # (name, ne, type, bytes)
tensors.append(("token_embd.weight", [32, 4], 0, struct.pack("<128f", *[i / 64 for i in range(128)])))
tensors.append(("output_norm.weight", [32], 1, struct.pack("<32e", *[1.0] * 32)))
q8 = b"".join(struct.pack("<e", 0.5) + bytes((i * 7 + r) % 256 for i in range(32)) for r in range(2))
tensors.append(("blk.0.ffn_up.weight", [32, 2], 8, q8))
header = struct.pack("<IIQQ", 0x46554747, 3, len(tensors), len(kvs)) + b"".join(kvs)
offset, infos, data = 0, b"", b""
for name, ne, t, b in tensors:
    infos += s(name) + struct.pack("<I", len(ne)) + b"".join(struct.pack("<Q", d) for d in ne) + struct.pack("<IQ", t, offset)
    pad = (-len(b)) % 32
    data += b + b"\0" * pad
    offset += len(b) + pad
head = header + infos
head += b"\0" * ((-len(head)) % 32)
out = os.path.join(os.path.dirname(__file__), "..", "fuzz", "seeds", "fuzz_gguf", "tiny-llama.gguf")
with open(out, "wb") as f:
    f.write(head + data)
print(out, len(head + data))
