// GGUF reader and writer: round trips through our writer, and hand-built damaged headers, each
// of which must fail with an ebsd::Error naming the field (never crash, never allocate from a
// claimed count).
#include <gtest/gtest.h>

#include <cstring>
#include <functional>

#include "ebsd/core/error.hpp"
#include "ebsd/io/model/gguf.hpp"
#include "run_command.hpp"

namespace {

using namespace ebsd::io::model;

// Raw little-endian byte builder for headers the writer would refuse to produce.
struct Raw {
  std::vector<std::uint8_t> b;
  template <class T>
  Raw& put(T v) {
    const auto at = b.size();
    b.resize(at + sizeof(T));
    std::memcpy(b.data() + at, &v, sizeof(T));
    return *this;
  }
  Raw& str(const std::string& s) {
    put<std::uint64_t>(s.size());
    b.insert(b.end(), s.begin(), s.end());
    return *this;
  }
  Raw& header(std::uint64_t tensors, std::uint64_t kvs) {
    return put<std::uint32_t>(0x46554747).put<std::uint32_t>(3).put<std::uint64_t>(tensors).put<std::uint64_t>(kvs);
  }
  Raw& pad(std::size_t to) {
    b.resize((b.size() + to - 1) / to * to, 0);
    return *this;
  }
};

std::vector<std::uint8_t> floats(std::initializer_list<float> v) {
  std::vector<std::uint8_t> out(v.size() * 4);
  std::memcpy(out.data(), std::data(v), out.size());
  return out;
}

// Expects parse_gguf to throw an ebsd::Error whose place contains `field`.
void expect_error(const std::vector<std::uint8_t>& bytes, const std::string& field) {
  try {
    parse_gguf(bytes, "bad.gguf");
    FAIL() << "no error for " << field;
  } catch (const ebsd::Error& e) {
    EXPECT_EQ(e.file(), "bad.gguf");
    EXPECT_NE(e.place().find(field), std::string::npos) << "place '" << e.place() << "', what: " << e.what();
  }
}

TEST(Gguf, WriterOutputReadsBackWithMetadataShapesAndBytes) {
  GgufWriter w;
  w.set_string("general.architecture", "llama");
  w.set_uint32("llama.block_count", 2);
  w.set_float32("llama.rope.freq_base", 500000.0f);
  w.set_bool("tokenizer.ggml.add_bos_token", true);
  w.set_string_array("tokenizer.ggml.tokens", {"a", "", "\xe2\x96\x81hello"});
  w.set_int32_array("tokenizer.ggml.token_type", {1, 3, -6});
  const auto mat = floats({1, 2, 3, 4, 5, 6});
  w.add_tensor("blk.0.attn_q.weight", GgmlType::F32, {2, 3}, mat);  // PyTorch [out=2, in=3]
  w.add_tensor("output_norm.weight", GgmlType::F32, {1}, floats({7}));
  const auto bytes = w.serialize();
  const auto f = parse_gguf(bytes, "mem.gguf");
  EXPECT_EQ(f.version, 3u);
  EXPECT_EQ(f.alignment, 32u);
  EXPECT_EQ(f.get_string("general.architecture"), "llama");
  EXPECT_EQ(f.get_uint("llama.block_count"), 2u);
  EXPECT_DOUBLE_EQ(f.get_float("llama.rope.freq_base"), 500000.0);
  EXPECT_TRUE(f.get_bool("tokenizer.ggml.add_bos_token", false));
  EXPECT_EQ(f.get_string_array("tokenizer.ggml.tokens"), (std::vector<std::string>{"a", "", "\xe2\x96\x81hello"}));
  EXPECT_EQ(f.find_value("tokenizer.ggml.token_type")->array[2].integer, -6);
  ASSERT_EQ(f.tensors.size(), 2u);
  const auto* q = f.find("blk.0.attn_q.weight");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->ne, (std::vector<std::uint64_t>{3, 2}));  // innermost first
  EXPECT_EQ(q->shape(), (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(std::vector<std::uint8_t>(q->data.begin(), q->data.end()), mat);
  EXPECT_EQ((f.data_offset + f.find("output_norm.weight")->offset) % 32, 0u);
  EXPECT_THROW(f.get_uint("llama.missing"), ebsd::Error);
  EXPECT_THROW(f.get_uint("general.architecture"), ebsd::Error);  // a string, not an integer
}

TEST(Gguf, FileIsMemoryMappedAndAlignmentKeyHonoured) {
  ebsd::test::TempDir tmp;
  GgufWriter w(64);
  w.set_string("general.architecture", "qwen2");
  w.add_tensor("a", GgmlType::F32, {3}, floats({1, 2, 3}));
  w.add_tensor("b", GgmlType::F32, {1}, floats({4}));
  w.write(tmp / "m.gguf");
  const auto f = read_gguf(tmp / "m.gguf");
  EXPECT_EQ(f.alignment, 64u);
  EXPECT_EQ(f.find("b")->offset, 64u);
  float v;
  std::memcpy(&v, f.find("b")->data.data(), 4);
  EXPECT_EQ(v, 4.0f);
}

TEST(Gguf, QuantizedTypesUseBlockSizes) {
  GgufWriter w;
  std::vector<std::uint8_t> q8(2 * 34, 1);  // 2 rows of one Q8_0 block (32 elements, 34 bytes)
  w.add_tensor("q", GgmlType::Q8_0, {2, 32}, q8);
  const auto bytes = w.serialize();
  const auto f = parse_gguf(bytes);
  EXPECT_EQ(f.find("q")->byte_size, 68u);
  EXPECT_THROW(w.add_tensor("r", GgmlType::Q8_0, {2, 31}, q8), ebsd::Error);
}

TEST(Gguf, EveryTruncationIsAnError) {
  GgufWriter w;
  w.set_string("general.architecture", "llama");
  w.set_string_array("tokenizer.ggml.tokens", {"x", "yy"});
  w.add_tensor("t", GgmlType::F32, {4}, floats({1, 2, 3, 4}));
  const auto full = w.serialize();
  // Cutting the data section short must fail too, so all prefixes up to the end of the tensor.
  for (std::size_t n = 0; n < full.size() - 16; ++n) {
    const std::vector<std::uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_THROW(parse_gguf(cut, "cut.gguf"), ebsd::Error) << "prefix of " << n << " bytes";
  }
}

TEST(Gguf, BadMagicAndVersionsAreNamed) {
  expect_error(Raw().put<std::uint32_t>(0x46554746).put<std::uint32_t>(3).b, "magic");
  expect_error(Raw().put<std::uint32_t>(0x46554747).put<std::uint32_t>(1).put<std::uint64_t>(0).put<std::uint64_t>(0).b, "version");
  expect_error(Raw().put<std::uint32_t>(0x46554747).put<std::uint32_t>(0x03000000).put<std::uint64_t>(0).put<std::uint64_t>(0).b,
               "version");  // a big-endian file
  expect_error(Raw().put<std::uint32_t>(0x46554747).put<std::uint32_t>(4).put<std::uint64_t>(0).put<std::uint64_t>(0).b, "version");
}

TEST(Gguf, ClaimedCountsBeyondTheFileFailBeforeAllocating) {
  expect_error(Raw().header(0, std::uint64_t{1} << 60).b, "metadata_kv_count");
  expect_error(Raw().header(std::uint64_t{1} << 61, 0).b, "tensor_count");
  // A string claiming 2^63 bytes.
  expect_error(Raw().header(0, 1).str("k").put<std::uint32_t>(8).put<std::uint64_t>(std::uint64_t{1} << 63).b, "k");
  // An array claiming 2^40 u32 elements in a few bytes.
  expect_error(Raw().header(0, 1).str("arr").put<std::uint32_t>(9).put<std::uint32_t>(4).put<std::uint64_t>(std::uint64_t{1} << 40).b,
               "arr");
  // A key longer than 65535 bytes.
  auto long_key = Raw().header(0, 1).put<std::uint64_t>(70000);
  long_key.b.resize(long_key.b.size() + 64, 'k');
  expect_error(long_key.b, "metadata[0] key");
}

TEST(Gguf, MalformedValuesAreNamed) {
  expect_error(Raw().header(0, 1).str("flag").put<std::uint32_t>(7).put<std::uint8_t>(2).b, "flag");  // bool 2
  expect_error(Raw().header(0, 1).str("what").put<std::uint32_t>(13).put<std::uint32_t>(0).b, "what");  // type 13
  expect_error(Raw().header(0, 2).str("dup").put<std::uint32_t>(4).put<std::uint32_t>(1).str("dup").put<std::uint32_t>(4).put<std::uint32_t>(2).b,
               "dup");
  expect_error(Raw().header(0, 1).str("general.alignment").put<std::uint32_t>(4).put<std::uint32_t>(24).b, "general.alignment");
  // Arrays nested deeper than the limit.
  Raw deep;
  deep.header(0, 1).str("nest").put<std::uint32_t>(9);
  for (int i = 0; i < 5; ++i) deep.put<std::uint32_t>(9).put<std::uint64_t>(1);
  deep.put<std::uint32_t>(4).put<std::uint64_t>(0);
  expect_error(deep.b, "nest");
}

// One tensor info: name, dims (ne order), type, offset.
Raw& tensor_info(Raw& r, const std::string& name, std::vector<std::uint64_t> ne, std::uint32_t type, std::uint64_t offset) {
  r.str(name).put<std::uint32_t>(static_cast<std::uint32_t>(ne.size()));
  for (auto d : ne) r.put<std::uint64_t>(d);
  return r.put<std::uint32_t>(type).put<std::uint64_t>(offset);
}

std::vector<std::uint8_t> with_tensors(const std::function<void(Raw&)>& infos, std::uint64_t count, std::size_t data_bytes) {
  Raw r;
  r.header(count, 0);
  infos(r);
  r.pad(32);
  r.b.resize(r.b.size() + data_bytes, 0);
  return r.b;
}

TEST(Gguf, MalformedTensorInfosAreNamed) {
  expect_error(with_tensors([](Raw& r) { tensor_info(r, "t", {1, 1, 1, 1, 1}, 0, 0); }, 1, 64), "t");  // 5 dims
  expect_error(with_tensors([](Raw& r) { tensor_info(r, "t", {4}, 99, 0); }, 1, 64), "t");           // unknown type
  expect_error(with_tensors([](Raw& r) { tensor_info(r, "t", {4}, 0, 8); }, 1, 64), "t");            // misaligned
  expect_error(with_tensors([](Raw& r) { tensor_info(r, "t", {100}, 0, 0); }, 1, 64), "t");          // past the end
  expect_error(with_tensors([](Raw& r) { tensor_info(r, "t", {31}, 8, 0); }, 1, 64), "t");           // Q8_0 needs 32s
  expect_error(with_tensors([](Raw& r) { tensor_info(r, "t", {std::uint64_t{1} << 62, 8}, 0, 0); }, 1, 64), "t");  // overflow
  expect_error(with_tensors([](Raw& r) { tensor_info(r, std::string(65, 'n'), {4}, 0, 0); }, 1, 64), "tensor[0] name");
  expect_error(with_tensors([](Raw& r) {
                 tensor_info(r, "a", {16}, 0, 0);
                 tensor_info(r, "b", {16}, 0, 32);  // a covers [0, 64): overlap
               }, 2, 128), "b");
  expect_error(with_tensors([](Raw& r) {
                 tensor_info(r, "a", {4}, 0, 0);
                 tensor_info(r, "a", {4}, 0, 32);
               }, 2, 64), "a");
  // A well-formed pair passes, so the cases above fail for their one defect.
  EXPECT_NO_THROW(parse_gguf(with_tensors([](Raw& r) {
                    tensor_info(r, "a", {16}, 0, 0);
                    tensor_info(r, "b", {16}, 0, 64);
                  }, 2, 128)));
}

}  // namespace

namespace {

// A file written by an independent writer (tests/llm/make_gguf_seed.py, Python struct only).
TEST(Gguf, ReadsAFileFromAnIndependentWriter) {
  const auto f = read_gguf(std::filesystem::path(EBSD_SOURCE_DIR) / "tests/fuzz/seeds/fuzz_gguf/tiny-llama.gguf");
  EXPECT_EQ(f.get_string("general.architecture"), "llama");
  EXPECT_EQ(f.find_value("test.u8")->uinteger, 200u);
  EXPECT_EQ(f.find_value("test.i8")->integer, -5);
  EXPECT_EQ(f.find_value("test.u16")->uinteger, 60000u);
  EXPECT_EQ(f.find_value("test.i16")->integer, -300);
  EXPECT_EQ(f.find_value("test.i32")->integer, -70000);
  EXPECT_EQ(f.find_value("test.i64")->integer, -(std::int64_t{1} << 40));
  EXPECT_TRUE(f.get_bool("test.bool", false));
  EXPECT_DOUBLE_EQ(f.get_float("llama.rope.freq_base"), 10000.0);
  EXPECT_EQ(f.get_uint("llama.attention.head_count_kv"), 1u);  // stored as u64
  EXPECT_EQ(f.get_string_array("tokenizer.ggml.tokens"), (std::vector<std::string>{"<s>", "\xe2\x96\x81hi", ""}));
  const auto& nested = f.find_value("test.nested")->array;
  ASSERT_EQ(nested.size(), 2u);
  EXPECT_EQ(nested[0].array.at(0).uinteger, 7u);
  EXPECT_TRUE(nested[1].array.empty());
  EXPECT_EQ(f.find("token_embd.weight")->shape(), (std::vector<std::int64_t>{4, 32}));
  float x;
  std::memcpy(&x, f.find("token_embd.weight")->data.data() + 4 * 33, 4);
  EXPECT_EQ(x, 33.0f / 64);
  EXPECT_EQ(f.find("blk.0.ffn_up.weight")->type, GgmlType::Q8_0);
  EXPECT_EQ(f.find("blk.0.ffn_up.weight")->byte_size, 68u);
  EXPECT_EQ(f.find("output_norm.weight")->type, GgmlType::F16);
}

}  // namespace
