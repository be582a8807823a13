// Issue 9's GPU benchmark: our engine on one CUDA device (the H100 of the GPU machine) on
// random-weight GGUF files of the Qwen2.5-0.5B shape written by our writer:
//   Q8_0                      every matrix and the (tied) embedding Q8_0
//   Q4_0 + Q8_0 head          layers Q4_0, embedding / output head Q8_0
//   F16                       everything f16 (computed in f16: cuBLAS only, the dense baseline)
// Per model, `ebsd llm bench --device cuda` runs (a fresh process each, so the allocator's peak
// is the run's own): a 512-token prompt then 128 generated tokens (prefill and decode tokens/s,
// peak device memory), repeated --rounds times (medians), and one 2048-token prefill. With
// --crossover it also times short prompts with the packed matrix-vector kernel against
// dequantize + cuBLAS (EBSD_CUDA_GEMV_MAX_TOKENS), decode with the fused step launched eagerly
// instead of as a CUDA graph (EBSD_CUDA_GRAPH=0) and on the LibTorch tensor path
// (EBSD_CUDA_DECODE_STEP=0), and on the tensor path with the blocks dequantized to bf16 at load
// (EBSD_CUDA_QUANT_KERNELS=0, the engine before our kernels) and with the RMSNorm as LibTorch
// operations instead of the fused kernel (EBSD_CUDA_FUSED_NORM=0).
// With --profile (after the main table) it runs each model once more with EBSD_CUDA_PROFILE=1,
// eagerly (a GPU-time table per kernel class of the step, cuda/decode_step.hpp) and as a graph
// (the whole graph's GPU time per token against the wall time per token: the rest is the host's
// work between steps), and once with the greedy choice on the host (EBSD_CUDA_DEVICE_PICK=0: the
// logits copied back and scanned there, as before the device pick) and once with RoPE and the
// residual + norms in the products' launches (EBSD_CUDA_FUSED_TAILS=1: five launches a layer
// instead of the default eight).
// Speed barely depends on weight values, so these compare with llama.cpp's published H100
// figures (LLM-CORE.md section 5.3). Skips (exit 0) where there is no CUDA device.
//   bench_llm_cuda [--rounds N] [--model-dir DIR] [--crossover] [--profile] [--json FILE]
#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "command_output.hpp"
#include "ebsd/io/model/random_model.hpp"

namespace {

namespace fs = std::filesystem;
namespace im = ebsd::io::model;

std::string run(const std::string& command) { return ebsd::test::command_output(command + " 2>&1"); }

nlohmann::json last_json(const std::string& text) {
  for (std::size_t p = text.size(); p-- > 0;)
    if (text[p] == '{' && (p == 0 || text[p - 1] == '\n')) return nlohmann::json::parse(text.substr(p));
  throw std::runtime_error("no JSON in output:\n" + text);
}

// The CUDA caching allocator's peak of a run (`ebsd llm bench --json` reports it under
// memory.device_peak_allocated_bytes), in MiB; negative when the run did not report it (a CPU
// LibTorch, or one without allocator statistics).
double peak_mib(const nlohmann::json& run) {
  return run["memory"].value("device_peak_allocated_bytes", -1.0) / (1 << 20);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
}

struct Model {
  std::string name, dtype;
  im::GgmlType matrices, embedding;
};

}  // namespace

int main(int argc, char** argv) {
  int rounds = 3;
  bool crossover = false, profile = false;
  fs::path dir = fs::temp_directory_path() / "ebsd-bench-llm-cuda", json_out;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--rounds" && i + 1 < argc) rounds = std::max(1, std::atoi(argv[++i]));
    else if (a == "--model-dir" && i + 1 < argc) dir = argv[++i];
    else if (a == "--json" && i + 1 < argc) json_out = argv[++i];
    else if (a == "--crossover") crossover = true;
    else if (a == "--profile") profile = true;
    else {
      std::fprintf(stderr, "usage: bench_llm_cuda [--rounds N] [--model-dir DIR] [--crossover] [--profile] [--json FILE]\n");
      return 2;
    }
  }
  const std::string cli = EBSD_CLI;
  // No device: say so and pass (the bench label also runs on machines without a GPU).
  std::string device;
  try {
    device = run("nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -n 1");
  } catch (const std::exception&) {
  }
  if (device.empty() || device.find("NVIDIA") == std::string::npos) {
    std::printf("bench_llm_cuda: no NVIDIA GPU here, skipped\n");
    return 0;
  }
  device.erase(device.find_last_not_of("\n ") + 1);
  fs::create_directories(dir);
  const std::vector<Model> models{{"Q8_0", "bf16", im::GgmlType::Q8_0, im::GgmlType::Q8_0},
                                  {"Q4_0 + Q8_0 head", "bf16", im::GgmlType::Q4_0, im::GgmlType::Q8_0},
                                  {"F16", "f16", im::GgmlType::F16, im::GgmlType::F16}};
  nlohmann::json results = nlohmann::json::array();
  auto bench = [&](const fs::path& file, const std::string& dtype, int prompt, int gen, const std::string& env) {
    return last_json(run(env + " '" + cli + "' llm bench --model '" + file.string() + "' --device cuda --dtype " + dtype +
                         " --prompt-tokens " + std::to_string(prompt) + " --gen-tokens " + std::to_string(gen) + " --json"));
  };
  const auto file_of = [&](const Model& m) {
    std::string stem = m.name;
    std::replace(stem.begin(), stem.end(), ' ', '_');
    std::replace(stem.begin(), stem.end(), '+', 'p');
    return dir / (stem + ".gguf");
  };
  std::printf("bench_llm_cuda on %s, Qwen2.5-0.5B shape (random weights), %d rounds\n", device.c_str(), rounds);
  std::printf("%-18s %12s %12s %12s %14s %14s\n", "model", "file MiB", "prefill 512", "prefill 2048", "decode tok/s",
              "peak MiB");
  for (const auto& m : models) {
    auto o = im::qwen25_05b_shape();
    o.matrix_type = m.matrices;
    o.embedding_type = m.embedding;
    const auto file = file_of(m);
    if (!fs::exists(file)) im::write_random_gguf(o, file);
    std::vector<double> prefill, decode, peak;
    nlohmann::json runs = nlohmann::json::array();
    for (int r = 0; r < rounds; ++r) {
      const auto j = bench(file, m.dtype, 512, 129, "");
      prefill.push_back(j["prefill_tokens_per_second"].get<double>());
      decode.push_back(j["decode_tokens_per_second"].get<double>());
      peak.push_back(peak_mib(j));
      runs.push_back(j);
    }
    const auto long_run = bench(file, m.dtype, 2048, 2, "");
    const double mib = static_cast<double>(fs::file_size(file)) / (1 << 20);
    std::printf("%-18s %12.1f %12.0f %12.0f %14.1f %14.1f\n", m.name.c_str(), mib, median(prefill),
                long_run["prefill_tokens_per_second"].get<double>(), median(decode), median(peak));
    nlohmann::json row{{"model", m.name},
                       {"dtype", m.dtype},
                       {"file_bytes", fs::file_size(file)},
                       {"prefill_512_tokens_per_second", median(prefill)},
                       {"prefill_2048_tokens_per_second", long_run["prefill_tokens_per_second"]},
                       {"decode_tokens_per_second", median(decode)},
                       {"device_peak_allocated_mib", median(peak)},
                       {"memory", runs.back()["memory"]},
                       {"cuda_decode_step", runs.back().value("cuda_decode_step", nlohmann::json::object())}};
    // Which decode path the table's runs took (the fused step as a graph, eagerly, or declined).
    const auto step = row["cuda_decode_step"];
    std::printf("%-18s decode path: fused step %s, %lld steps (%lld greedy picks on the device)%s%s\n", "",
                step.value("graph", false) ? "as a CUDA graph" : "eager", static_cast<long long>(step.value("steps", std::int64_t{0})),
                static_cast<long long>(step.value("device_picks", std::int64_t{0})),
                step.value("declined", std::string()).empty() ? "" : ", declined: ",
                step.value("declined", std::string()).c_str());
    results.push_back(row);
    std::fflush(stdout);
  }
  const auto write_json = [&] {
    if (!json_out.empty()) std::ofstream(json_out) << nlohmann::json{{"device", device}, {"results", results}}.dump(2) << "\n";
  };
  write_json();
  // Where a decode step's time goes (after the main table, before the longer crossover runs).
  for (std::size_t i = 0; profile && i < models.size(); ++i) {
    const auto& m = models[i];
    auto& row = results[i];
    const auto file = file_of(m);
    const auto eager = bench(file, m.dtype, 512, 129, "EBSD_CUDA_PROFILE=1 EBSD_CUDA_GRAPH=0");
    const auto graph = bench(file, m.dtype, 512, 129, "EBSD_CUDA_PROFILE=1");
    const auto host_pick = bench(file, m.dtype, 512, 129, "EBSD_CUDA_DEVICE_PICK=0");
    const auto tails = bench(file, m.dtype, 512, 129, "EBSD_CUDA_FUSED_TAILS=1");
    const auto table = eager["cuda_decode_step"].value("profile", nlohmann::json::array());
    double sum = 0;
    for (const auto& e : table) sum += e["gpu_us_per_step"].get<double>();
    std::printf("%s decode profile: GPU time per token by kernel class (eager launches queued behind a spin, "
                "EBSD_CUDA_PROFILE=1 EBSD_CUDA_GRAPH=0; %lld steps)\n",
                m.name.c_str(), static_cast<long long>(eager["cuda_decode_step"].value("profiled_steps", std::int64_t{0})));
    std::printf("  %-22s %10s %10s %7s\n", "kernel class", "us/token", "launches", "share");
    for (const auto& e : table)
      std::printf("  %-22s %10.1f %10.1f %6.1f%%\n", e["kernel"].get<std::string>().c_str(), e["gpu_us_per_step"].get<double>(),
                  e["launches_per_step"].get<double>(), sum > 0 ? 100 * e["gpu_us_per_step"].get<double>() / sum : 0.0);
    std::printf("  %-22s %10.1f            (%.0f tok/s if nothing else took time)\n", "sum", sum, sum > 0 ? 1e6 / sum : 0.0);
    double graph_us = 0;
    for (const auto& e : graph["cuda_decode_step"].value("profile", nlohmann::json::array()))
      if (e["kernel"].get<std::string>().rfind("graph", 0) == 0) graph_us = e["gpu_us_per_step"].get<double>();
    const double table_tps = row["decode_tokens_per_second"].get<double>();
    const double wall_us = table_tps > 0 ? 1e6 / table_tps : 0.0;
    std::printf("  graph replay: %.1f us GPU time per token; wall %.1f us per token at the table's %.1f tok/s: %.1f us "
                "(%.0f%%) outside it (step input, pick, host work, gaps)\n",
                graph_us, wall_us, table_tps, wall_us - graph_us, wall_us > 0 ? 100 * (wall_us - graph_us) / wall_us : 0.0);
    std::printf("  greedy choice on the host (EBSD_CUDA_DEVICE_PICK=0, logits copied back): %.1f tok/s; device picks in the "
                "table's runs: %lld\n",
                host_pick["decode_tokens_per_second"].get<double>(),
                static_cast<long long>(row["cuda_decode_step"].value("device_picks", std::int64_t{0})));
    row["profile_eager"] = eager["cuda_decode_step"];
    row["profile_graph"] = graph["cuda_decode_step"];
    std::printf("  five launches a layer (EBSD_CUDA_FUSED_TAILS=1: RoPE, residual + norm in the products' launches): "
                "%.1f tok/s\n",
                tails["decode_tokens_per_second"].get<double>());
    row["host_pick"] = host_pick;
    row["fused_tails"] = tails;
    std::fflush(stdout);
    write_json();
  }
  // After the main table (so it is complete even if a time limit stops these extra runs).
  for (std::size_t i = 0; crossover && i < models.size(); ++i) {
    const auto& m = models[i];
    auto& row = results[i];
    const auto file = file_of(m);
    std::printf("%s:\n", m.name.c_str());
    {
      // The decode step: our fused kernels replayed as a CUDA graph (the default, main table),
      // the same kernels launched one by one, and the LibTorch tensor path.
      const auto eager = bench(file, m.dtype, 512, 129, "EBSD_CUDA_GRAPH=0");
      const auto tensor = bench(file, m.dtype, 512, 129, "EBSD_CUDA_DECODE_STEP=0");
      std::printf("  decode: fused step as a CUDA graph %.1f tok/s (table), launched eagerly (EBSD_CUDA_GRAPH=0) %.1f tok/s, "
                  "tensor path (EBSD_CUDA_DECODE_STEP=0) %.1f tok/s\n",
                  row["decode_tokens_per_second"].get<double>(), eager["decode_tokens_per_second"].get<double>(),
                  tensor["decode_tokens_per_second"].get<double>());
      row["decode_step_eager"] = eager;
      row["decode_tensor_path"] = tensor;
      std::fflush(stdout);
    }
    if (m.matrices == im::GgmlType::F16) continue;
    {
      // The engine before our kernels: weights dequantized to bf16 at load, tensor path (cuBLAS
      // matrix-vector products).
      const auto dense = bench(file, m.dtype, 512, 129, "EBSD_CUDA_QUANT_KERNELS=0 EBSD_CUDA_DECODE_STEP=0");
      std::printf("  dequantized to bf16 at load: prefill 512 %.0f tok/s, decode %.1f tok/s, peak %.1f MiB\n",
                  dense["prefill_tokens_per_second"].get<double>(), dense["decode_tokens_per_second"].get<double>(),
                  peak_mib(dense));
      row["dequantized_at_load"] = dense;
      // The LibTorch RMSNorm (eight operations) instead of the fused kernel, on the tensor path.
      const auto unfused = bench(file, m.dtype, 512, 129, "EBSD_CUDA_FUSED_NORM=0 EBSD_CUDA_DECODE_STEP=0");
      std::printf("  RMSNorm as LibTorch operations (EBSD_CUDA_FUSED_NORM=0, tensor path): prefill 512 %.0f tok/s, decode %.1f tok/s\n",
                  unfused["prefill_tokens_per_second"].get<double>(), unfused["decode_tokens_per_second"].get<double>());
      row["unfused_norm"] = unfused;
      // Short prompts: packed kernel per token vs dequantize + GEMM.
      for (int p : {4, 8, 16, 32}) {
        const auto kernel = bench(file, m.dtype, p, 2, "EBSD_CUDA_GEMV_MAX_TOKENS=64");
        const auto gemm = bench(file, m.dtype, p, 2, "EBSD_CUDA_GEMV_MAX_TOKENS=0");
        std::printf("  prompt %2d: packed kernel %.0f tok/s, dequantize + GEMM %.0f tok/s\n", p,
                    kernel["prefill_tokens_per_second"].get<double>(), gemm["prefill_tokens_per_second"].get<double>());
        row["crossover"].push_back({{"prompt", p},
                                    {"kernel", kernel["prefill_tokens_per_second"]},
                                    {"gemm", gemm["prefill_tokens_per_second"]}});
      }
    }
    std::fflush(stdout);
    write_json();
  }
  write_json();
  return 0;
}
