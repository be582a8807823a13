// libFuzzer target for the .ang reader (issue 3: truncated files, absurd headers, NaNs ...).
#include "ebsd/io/ang.hpp"
#include "fuzz_text_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return ebsd::fuzz::run_one(data, size, ".ang", [](const std::filesystem::path& p) { ebsd::io::read_ang(p); });
}
