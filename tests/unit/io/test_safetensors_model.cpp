// safetensors views and sharded checkpoints: the reference implementation's validation rules,
// and an index whose shards disagree with it.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "ebsd/core/error.hpp"
#include "ebsd/io/model/safetensors.hpp"
#include "run_command.hpp"

namespace {

using namespace ebsd::io::model;
namespace fs = std::filesystem;

std::vector<std::uint8_t> file_with_header(const std::string& json, std::size_t data_bytes) {
  std::vector<std::uint8_t> out(8);
  const std::uint64_t n = json.size();
  std::memcpy(out.data(), &n, 8);
  out.insert(out.end(), json.begin(), json.end());
  for (std::size_t i = 0; i < data_bytes; ++i) out.push_back(static_cast<std::uint8_t>(i));
  return out;
}

void write(const fs::path& p, const std::vector<std::uint8_t>& b) {
  std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

void expect_error(const std::string& json, std::size_t data, const std::string& place) {
  try {
    parse_safetensors_view(file_with_header(json, data), "bad.safetensors");
    FAIL() << "no error, expected one at " << place;
  } catch (const ebsd::Error& e) {
    EXPECT_EQ(e.file(), "bad.safetensors");
    EXPECT_EQ(e.place(), place) << e.what();
  }
}

TEST(SafetensorsView, TensorsTileTheDataAndAreSortedByOffset) {
  const auto b = file_with_header(
      R"({"__metadata__":{"format":"pt"},"b":{"dtype":"F16","shape":[2],"data_offsets":[8,12]},)"
      R"("a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})",
      12);
  const auto v = parse_safetensors_view(b);
  ASSERT_EQ(v.tensors.size(), 2u);
  EXPECT_EQ(v.tensors[0].name, "a");
  EXPECT_EQ(v.tensors[1].data.size(), 4u);
  EXPECT_EQ(v.tensors[1].data[0], 8);  // the ninth data byte
  EXPECT_EQ(v.metadata.at("format"), "pt");
}

TEST(SafetensorsView, ReferenceValidationRules) {
  expect_error(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", 4, "a");          // size vs shape
  expect_error(R"({"a":{"dtype":"F99","shape":[1],"data_offsets":[0,4]}})", 4, "a");          // dtype
  expect_error(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}})", 4, "a");          // past the end
  expect_error(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8, "a");          // hole before
  expect_error(R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 8, "data");       // bytes left over
  expect_error(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})",
               8, "b");                                                                          // overlap
  expect_error(R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4, "a");
  expect_error(R"([1,2])", 0, "header");
  expect_error(R"({"a":)", 0, "header");
  auto b = file_with_header("{}", 0);
  const std::uint64_t huge = std::uint64_t{1} << 40;
  std::memcpy(b.data(), &huge, 8);
  EXPECT_THROW(parse_safetensors_view(b), ebsd::Error);
}

TEST(SafetensorsModel, ShardedCheckpointFindsEachTensorInItsShard) {
  ebsd::test::TempDir tmp;
  write(tmp / "s1.safetensors", file_with_header(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 4));
  write(tmp / "s2.safetensors", file_with_header(R"({"y":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 8));
  std::ofstream(tmp / "model.safetensors.index.json") << R"({"weight_map":{"x":"s1.safetensors","y":"s2.safetensors"}})";
  const SafetensorsModel m(tmp.path());
  EXPECT_EQ(m.names(), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(m.get("y").shape, (std::vector<std::int64_t>{2}));
  EXPECT_THROW(m.get("z"), ebsd::Error);
}

TEST(SafetensorsModel, IndexDisagreeingWithShardsIsAnError) {
  ebsd::test::TempDir tmp;
  write(tmp / "s1.safetensors", file_with_header(R"({"x":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 4));
  std::ofstream(tmp / "model.safetensors.index.json") << R"({"weight_map":{"x":"s1.safetensors","w":"s1.safetensors"}})";
  try {
    SafetensorsModel m(tmp.path());
    FAIL();
  } catch (const ebsd::Error& e) {
    EXPECT_EQ(e.place(), "w");
    EXPECT_NE(e.file().find("model.safetensors.index.json"), std::string::npos);
  }
  std::ofstream(tmp / "model.safetensors.index.json", std::ios::trunc) << R"({"weight_map":{"x":"../s1.safetensors"}})";
  EXPECT_THROW(SafetensorsModel{tmp.path()}, ebsd::Error);
  std::ofstream(tmp / "model.safetensors.index.json", std::ios::trunc) << R"({"weight_map":{"x":"missing.safetensors"}})";
  EXPECT_THROW(SafetensorsModel{tmp.path()}, ebsd::Error);
}

}  // namespace
