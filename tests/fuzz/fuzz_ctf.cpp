// libFuzzer target for the .ctf reader.
#include "ebsd/io/ctf.hpp"
#include "fuzz_text_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return ebsd::fuzz::run_one(data, size, ".ctf", [](const std::filesystem::path& p) { ebsd::io::read_ctf(p); });
}
