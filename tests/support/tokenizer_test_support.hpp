#pragma once
// Helpers shared by the tokenizer tests: GPT-2's byte alphabet (to write byte-level vocabularies
// by hand) and a check that a call fails with an ebsd::Error mentioning some text.
#include <gtest/gtest.h>

#include <string>

#include "ebsd/core/error.hpp"

namespace ebsd::test {

// GPT-2's byte alphabet written out: printable bytes are themselves, the rest U+0100 onwards.
inline std::string gpt2_byte_piece(unsigned b) {
  const auto printable = [](unsigned k) { return (k >= 0x21 && k <= 0x7E) || (k >= 0xA1 && k <= 0xAC) || k >= 0xAE; };
  unsigned cp = b;
  if (!printable(b)) {
    cp = 256;
    for (unsigned k = 0; k < b; ++k) cp += printable(k) ? 0 : 1;
  }
  std::string s;
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
  return s;
}

template <class F>
void expect_error(F&& f, const std::string& needle) {
  try {
    f();
    ADD_FAILURE() << "no error; expected one mentioning '" << needle << "'";
  } catch (const ebsd::Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

}  // namespace ebsd::test
