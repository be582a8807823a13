# Writes the seeds of the tokenizer fuzzer (tests/fuzz/seeds/fuzz_tokenizer): a small byte-level
# tokenizer.json (Qwen2 pipeline: NFC, Split regex, ByteLevel, ChatML specials), a small
# SentencePiece one (Llama 2 pipeline: Prepend + Replace, byte fallback, TemplateProcessing) and
# two GGUF files holding only tokenizer metadata (gpt2 with merges, llama with scores and byte
# tokens), written with Python's json and struct alone. Run: python3 tests/llm/make_tokenizer_seeds.py
import json, os, struct

out = os.path.join(os.path.dirname(__file__), "..", "fuzz", "seeds", "fuzz_tokenizer")
os.makedirs(out, exist_ok=True)

def gpt2_alphabet():
    bs = list(range(0x21, 0x7F)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    cs, n = bs[:], 0
    for b in range(256):
        if b not in bs:
            bs.append(b); cs.append(256 + n); n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}

alpha = gpt2_alphabet()
vocab = {alpha[b]: b for b in range(256)}
merges = [["h", "e"], ["l", "l"], ["he", "ll"], ["\u0120", "w"], ["hell", "o"]]
for a, b in merges:
    vocab[a + b] = len(vocab)
qwen = {
    "added_tokens": [{"id": 300 + i, "content": c, "special": True} for i, c in enumerate(["<|im_start|>", "<|im_end|>", "<|endoftext|>"])],
    "normalizer": {"type": "NFC"},
    "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"},
         "behavior": "Isolated", "invert": False},
        {"type": "ByteLevel", "add_prefix_space": False, "use_regex": False}]},
    "decoder": {"type": "ByteLevel"},
    "model": {"type": "BPE", "vocab": vocab, "merges": merges},
}
json.dump(qwen, open(os.path.join(out, "byte-level.json"), "w"))

M = "\u2581"
spm_vocab = {"<unk>": 0, "<s>": 1, "</s>": 2, M: 3, "h": 4, "i": 5, M + "h": 6, M + "hi": 7}
for b in range(256):
    spm_vocab["<0x%02X>" % b] = 8 + b
llama2 = {
    "added_tokens": [{"id": i, "content": c, "special": True} for i, c in enumerate(["<unk>", "<s>", "</s>"])],
    "normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": M},
                                                       {"type": "Replace", "pattern": {"String": " "}, "content": M}]},
    "pre_tokenizer": None,
    "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}},
                                                                {"Sequence": {"id": "A", "type_id": 0}}]},
    "decoder": {"type": "Sequence", "decoders": [{"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
    "model": {"type": "BPE", "unk_token": "<unk>", "byte_fallback": True, "vocab": spm_vocab, "merges": [M + " h", [M + "h", "i"]]},
}
json.dump(llama2, open(os.path.join(out, "sentencepiece.json"), "w"))

def s(x):
    b = x.encode()
    return struct.pack("<Q", len(b)) + b

def kv(key, vtype, payload):
    return s(key) + struct.pack("<I", vtype) + payload

def strings(key, items):
    return kv(key, 9, struct.pack("<IQ", 8, len(items)) + b"".join(s(i) for i in items))

def gguf(kvs):
    return b"GGUF" + struct.pack("<IQQ", 3, 0, len(kvs)) + b"".join(kvs)

tokens = [alpha[b] for b in range(256)] + ["he", "ll", "hell", "\u0120w", "hello", "<|im_start|>", "<|im_end|>"]
types = [1] * 261 + [3, 3]
open(os.path.join(out, "gpt2.gguf"), "wb").write(gguf([
    kv("tokenizer.ggml.model", 8, s("gpt2")), kv("tokenizer.ggml.pre", 8, s("qwen2")),
    strings("tokenizer.ggml.tokens", tokens),
    kv("tokenizer.ggml.token_type", 9, struct.pack("<IQ", 5, len(types)) + struct.pack("<%di" % len(types), *types)),
    strings("tokenizer.ggml.merges", [a + " " + b for a, b in merges]),
    kv("tokenizer.ggml.eos_token_id", 4, struct.pack("<I", 262)),
    kv("tokenizer.chat_template", 8, s("{% for m in messages %}<|im_start|>{{ m.role }}{% endfor %}")),
]))

tokens = ["<unk>", "<s>", "</s>", M, "h", "i", M + "h", M + "hi"] + ["<0x%02X>" % b for b in range(256)]
types = [2, 3, 3, 1, 1, 1, 1, 1] + [6] * 256
scores = [0, 0, 0, -5, -5, -5, -1, -2] + [0] * 256
open(os.path.join(out, "llama.gguf"), "wb").write(gguf([
    kv("tokenizer.ggml.model", 8, s("llama")),
    strings("tokenizer.ggml.tokens", tokens),
    kv("tokenizer.ggml.scores", 9, struct.pack("<IQ", 6, len(scores)) + struct.pack("<%df" % len(scores), *scores)),
    kv("tokenizer.ggml.token_type", 9, struct.pack("<IQ", 5, len(types)) + struct.pack("<%di" % len(types), *types)),
    kv("tokenizer.ggml.bos_token_id", 4, struct.pack("<I", 1)), kv("tokenizer.ggml.eos_token_id", 4, struct.pack("<I", 2)),
    kv("tokenizer.ggml.unknown_token_id", 4, struct.pack("<I", 0)),
]))
