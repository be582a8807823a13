#pragma once
// Shared by the libFuzzer targets of the text readers: the readers take a path, so each input
// is written to one scratch file (in /dev/shm when it exists) and read back. Only ebsd::Error
// is an accepted outcome; any other exception, a crash, a hang or an allocation above the
// -malloc_limit_mb given to the fuzzer is a finding.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>

#include "ebsd/core/error.hpp"

namespace ebsd::fuzz {

inline const std::filesystem::path& scratch_file(const char* extension) {
  static const std::filesystem::path p = [extension] {
    const std::filesystem::path dir = std::filesystem::exists("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
    return dir / ("ebsd-fuzz-" + std::to_string(::getpid()) + extension);
  }();
  return p;
}

template <class Read>
int run_one(const std::uint8_t* data, std::size_t size, const char* extension, Read&& read) {
  const auto& path = scratch_file(extension);
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    if (size) std::fwrite(data, 1, size, f);
    std::fclose(f);
  } else {
    return 0;
  }
  try {
    read(path);
  } catch (const ebsd::Error&) {
    // A clear error is the right answer to a broken file.
  }
  return 0;
}

}  // namespace ebsd::fuzz
