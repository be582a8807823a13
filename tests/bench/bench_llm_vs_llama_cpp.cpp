// Issue 9's CPU benchmark: our engine against llama.cpp (prebuilt, node-llama-cpp from
// .deps/llama-cpp, installed by scripts/install-llama-cpp.sh) on random-weight GGUF files of
// the Qwen2.5-0.5B shape written by our writer, in the same run, 2 threads each:
//   Q8_0                      every matrix and the (tied) embedding Q8_0
//   Q4_0 + Q8_0 head          layers Q4_0, embedding / output head Q8_0
//   Q4_0                      everything Q4_0
// Each round runs llama.cpp, then ours on the very prompt llama.cpp was given (so the greedy
// continuations can be compared too: both engines read the same bytes, so they should agree
// until rounding differences flip a near tie). Rates are medians over the rounds. The machine
// is shared: the load average before and after is printed with the table.
//   bench_llm_vs_llama_cpp [--rounds N] [--prompt-tokens P] [--gen-tokens G] [--threads T]
//                          [--models q8_0,q4_0_q8_0,q4_0] [--model-dir DIR] [--json FILE]
#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "command_output.hpp"
#include "ebsd/io/model/random_model.hpp"

namespace {

namespace fs = std::filesystem;
namespace im = ebsd::io::model;

std::string run(const std::string& command) { return ebsd::test::command_output(command); }

// The JSON object that ends a command's output (one line, or pretty-printed over several).
nlohmann::json last_json_line(const std::string& text) {
  std::size_t at = std::string::npos;
  for (std::size_t p = text.size(); p-- > 0;)
    if (text[p] == '{' && (p == 0 || text[p - 1] == '\n')) {
      at = p;
      break;
    }
  if (at == std::string::npos) throw std::runtime_error("no JSON in output:\n" + text);
  return nlohmann::json::parse(text.substr(at));
}

std::string first_line_of(const std::string& path, const std::string& key) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key, 0) == 0) return line.substr(line.find(':') + 2);
  return "?";
}

std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

struct Variant {
  std::string key, label;
  im::GgmlType layers, embedding;
};

}  // namespace

int main(int argc, char** argv) try {
  int rounds = 3, threads = 2;
  std::int64_t prompt = 128, gen = 64;
  std::string models = "q8_0,q4_0_q8_0,q4_0", model_dir, json_out;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i], v = argv[i + 1];
    if (a == "--rounds") rounds = std::stoi(v);
    else if (a == "--prompt-tokens") prompt = std::stoll(v);
    else if (a == "--gen-tokens") gen = std::stoll(v);
    else if (a == "--threads") threads = std::stoi(v);
    else if (a == "--models") models = v;
    else if (a == "--model-dir") model_dir = v;
    else if (a == "--json") json_out = v;
    else throw std::runtime_error("unknown option " + a);
  }
  std::vector<std::string> wanted;
  {
    std::istringstream in(models);
    for (std::string m; std::getline(in, m, ',');) wanted.push_back(m);
  }
  const fs::path source = EBSD_SOURCE_DIR;
  // The project's own install step (npm ci of the pinned lock, no scripts, prebuilt binaries).
  run("bash '" + (source / "scripts" / "install-llama-cpp.sh").string() + "' 2>&1");
  const fs::path llama_dir = source / ".deps" / "llama-cpp";
  const fs::path dir = model_dir.empty() ? fs::temp_directory_path() / "ebsd-bench-llm" : fs::path(model_dir);
  fs::create_directories(dir);

  const std::vector<Variant> all{{"q8_0", "Q8_0", im::GgmlType::Q8_0, im::GgmlType::Q8_0},
                                 {"q4_0_q8_0", "Q4_0 + Q8_0 head", im::GgmlType::Q4_0, im::GgmlType::Q8_0},
                                 {"q4_0", "Q4_0", im::GgmlType::Q4_0, im::GgmlType::Q4_0}};
  std::printf("CPU: %s, %u logical CPUs; load average before: %s\n", first_line_of("/proc/cpuinfo", "model name").c_str(),
              std::max(1u, static_cast<unsigned>(sysconf(_SC_NPROCESSORS_ONLN))), load_average().c_str());
  nlohmann::json results = nlohmann::json::array();
  for (const auto& v : all) {
    if (std::find(wanted.begin(), wanted.end(), v.key) == wanted.end()) continue;
    auto o = im::qwen25_05b_shape();
    o.matrix_type = v.layers;
    o.embedding_type = v.embedding;
    const fs::path file = dir / ("qwen2.5-0.5b-random-" + v.key + ".gguf");
    if (!fs::exists(file)) {
      std::printf("writing %s ...\n", file.string().c_str());
      std::fflush(stdout);
      im::write_random_gguf(o, file);
    }
    std::vector<double> ours_p, ours_d, llama_p, llama_d;
    nlohmann::json rows = nlohmann::json::array();
    std::size_t agree = 0;
    std::string isa, llama_info;
    for (int r = 0; r < rounds; ++r) {
      const auto l = last_json_line(run("cd '" + llama_dir.string() + "' && node llama_cpp_bench.mjs '" + file.string() + "' " +
                                        std::to_string(threads) + " " + std::to_string(prompt) + " " + std::to_string(gen) +
                                        " " + std::to_string(r + 1) + " 2>/dev/null"));
      std::string ids;
      for (const auto& t : l["prompt"]) ids += (ids.empty() ? "" : ",") + std::to_string(t.get<std::int64_t>());
      const auto e = last_json_line(run(std::string("'") + EBSD_CLI + "' llm bench --model '" + file.string() + "' --threads " +
                                        std::to_string(threads) + " --gen-tokens " + std::to_string(gen) +
                                        " --prompt-ids " + ids + " --json 2>/dev/null"));
      llama_p.push_back(l["prefill_tokens_per_second"]);
      llama_d.push_back(l["decode_tokens_per_second"]);
      ours_p.push_back(e["prefill_tokens_per_second"]);
      ours_d.push_back(e["decode_tokens_per_second"]);
      const auto& a = e["tokens"];
      const auto& b = l["tokens"];
      std::size_t k = 0;
      while (k < a.size() && k < b.size() && a[k] == b[k]) ++k;
      agree = r == 0 ? k : std::min(agree, k);
      isa = e.value("quant_isa", "?");
      llama_info = l.value("system_info", "");
      rows.push_back({{"ours", e}, {"llama_cpp", {{"prefill_tokens_per_second", l["prefill_tokens_per_second"]},
                                                  {"decode_tokens_per_second", l["decode_tokens_per_second"]},
                                                  {"tokens", l["tokens"]}, {"logs", l["logs"]}}}});
      std::printf("  %s round %d: ours prefill %.1f decode %.2f | llama.cpp prefill %.1f decode %.2f tok/s | greedy agree %zu\n",
                  v.label.c_str(), r + 1, ours_p.back(), ours_d.back(), llama_p.back(), llama_d.back(), k);
      std::fflush(stdout);
    }
    const double bytes = static_cast<double>(fs::file_size(file));
    results.push_back({{"model", v.label}, {"file_bytes", bytes}, {"ours_prefill", median(ours_p)},
                       {"ours_decode", median(ours_d)}, {"llama_prefill", median(llama_p)},
                       {"llama_decode", median(llama_d)}, {"greedy_agreement", agree}, {"ours_isa", isa},
                       {"llama_system_info", llama_info}, {"rounds", rows}});
  }
  std::printf("\nload average after: %s; %d threads each, prompt %lld tokens, %lld generated, medians of %d rounds\n",
              load_average().c_str(), threads, static_cast<long long>(prompt), static_cast<long long>(gen), rounds);
  std::printf("%-18s %9s | %14s %14s %7s | %14s %14s %7s | %s\n", "model", "file MB", "prefill ours", "llama.cpp", "ratio",
              "decode ours", "llama.cpp", "ratio", "greedy agree");
  for (const auto& r : results) {
    const double op = r["ours_prefill"], lp = r["llama_prefill"], od = r["ours_decode"], ld = r["llama_decode"];
    std::printf("%-18s %9.1f | %14.1f %14.1f %7.2f | %14.2f %14.2f %7.2f | %zu of %lld\n",
                r["model"].get<std::string>().c_str(), r["file_bytes"].get<double>() / 1e6, op, lp, op / lp, od, ld, od / ld,
                r["greedy_agreement"].get<std::size_t>(), static_cast<long long>(gen));
  }
  if (!json_out.empty()) std::ofstream(json_out) << results.dump(1) << "\n";
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_llm_vs_llama_cpp: %s\n", e.what());
  return 1;
}
