// libFuzzer target for the GGUF parser (issue 9: headers are untrusted input; llama.cpp's GGUF
// parser had real CVEs). Each input is parsed from memory, every tensor's bytes are read (so
// AddressSanitizer sees any view past the buffer), and then opened as a model file (mapping,
// metadata getters, spec validation). Seeds: tests/fuzz/seeds/fuzz_gguf.
#include <cstdint>
#include <span>

#include "ebsd/io/model/gguf.hpp"
#include "ebsd/io/model/model_file.hpp"
#include "fuzz_text_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const auto f = ebsd::io::model::parse_gguf(std::span<const std::uint8_t>(data, size), "fuzz.gguf");
    volatile std::uint8_t sum = 0;
    for (const auto& t : f.tensors)
      for (auto b : t.data) sum = static_cast<std::uint8_t>(sum + b);
  } catch (const ebsd::Error&) {
  }
  return ebsd::fuzz::run_one(data, size, ".gguf",
                             [](const std::filesystem::path& p) { ebsd::io::model::ModelFile::open(p); });
}
