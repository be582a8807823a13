// libFuzzer target for the tokenizer loaders (issue 9: tokenizer data is untrusted input). An
// input starting with "GGUF" is parsed as a GGUF file and its tokenizer.ggml.* metadata loaded;
// anything else is read as a Hugging Face tokenizer.json. A tokenizer that loads then encodes a
// fixed multilingual text and the input itself (when it is UTF-8), decodes the ids in one piece
// and streamed, and formats a chat. Only ebsd::Error may come out. Seeds: tests/fuzz/seeds/fuzz_tokenizer.
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "ebsd/core/error.hpp"
#include "ebsd/io/model/chat_template.hpp"
#include "ebsd/io/model/gguf.hpp"
#include "ebsd/io/model/tokenizer.hpp"

namespace im = ebsd::io::model;

namespace {

void exercise(const im::Tokenizer& t, std::string_view input) {
  for (const std::string_view text :
       {std::string_view("Hello, I'm 42 <|im_end|> \xC3\xA9t\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x91\x8B\r\n  x"), input}) {
    std::vector<std::int32_t> ids;
    try {
      ids = t.encode(text);
    } catch (const ebsd::Error&) {
      continue;  // not UTF-8, or a character the vocabulary cannot encode
    }
    (void)t.decode(ids);
    im::StreamingDecoder stream(t);
    for (const auto id : ids) (void)stream.feed(id);
    (void)stream.finish();
  }
  try {
    const auto format = im::chat_format_for(t);
    (void)t.encode(im::format_chat(format, {{"system", "s"}, {"user", "u"}}, true, t), false);
  } catch (const ebsd::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  try {
    std::optional<im::Tokenizer> t;
    if (input.substr(0, 4) == "GGUF")
      t.emplace(im::tokenizer_from_gguf(im::parse_gguf(std::span<const std::uint8_t>(data, size), "fuzz.gguf")));
    else
      t.emplace(im::tokenizer_from_json(input, "", "fuzz.json"));
    exercise(*t, input);
  } catch (const ebsd::Error&) {
  }
  return 0;
}
