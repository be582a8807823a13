// Tasks "llm-run" and "llm-bench" (`ebsd llm run`, `ebsd llm bench`): load a GGUF or
// safetensors model, generate from token ids, report tokens, timings and memory. Generated
// tokens stream through the progress sink as messages "token <id>" (the CLI prints them as
// they come; a GUI can do the same).
#include <algorithm>
#include <chrono>
#include <random>
#include <sys/resource.h>

#include <torch/torch.h>

#include "ebsd/core/error.hpp"
#include "ebsd/pipeline/task_registry.hpp"
#include "ebsd/quant/quant_matmul.hpp"
#include "llm/generation.hpp"

namespace ebsd::gpu {
namespace {

namespace im = ebsd::io::model;

nlohmann::json memory_json(const llm::MemoryReport& m) {
  nlohmann::json j{{"weights_mapped_bytes", m.weights_mapped},
                   {"weights_owned_bytes", m.weights_owned},
                   {"kv_reserved_bytes", m.kv_reserved},
                   {"activations_peak_bytes", m.activations_peak},
                   {"total_bytes", m.weights_mapped + m.weights_owned + m.kv_reserved + m.activations_peak}};
  if (m.device_peak_allocated >= 0) j["device_peak_allocated_bytes"] = m.device_peak_allocated;
  struct rusage ru {};
  if (::getrusage(RUSAGE_SELF, &ru) == 0) j["process_peak_rss_bytes"] = static_cast<std::int64_t>(ru.ru_maxrss) * 1024;
  return j;
}

std::unique_ptr<llm::DecoderModel> load_model(const nlohmann::json& args, Progress& progress) {
  if (!args.contains("model") || !args["model"].is_string()) throw Error("a model path is required", "--model");
  const int threads = args.value("threads", 0);
  if (threads < 0) throw Error("must be >= 0", "--threads");
  if (threads > 0) torch::set_num_threads(threads);
  llm::LoadOptions o;
  o.device = parse_device(args.value("device", std::string("cpu")));
  o.compute = llm::parse_compute_type(args.value("dtype", std::string(o.device == Device::Cuda ? "bf16" : "f32")));
  progress.report(0.0, "loading model");
  return std::make_unique<llm::DecoderModel>(im::ModelFile::open(args["model"].get<std::string>()), o);
}

nlohmann::json model_json(const llm::DecoderModel& m) {
  return {{"source", m.file().source()}, {"format", m.file().format()}, {"spec", m.spec().to_json()},
          {"weight_file_bytes", m.file().weight_bytes()}};
}

nlohmann::json llm_run(const nlohmann::json& args, Progress& progress) {
  auto model = load_model(args, progress);
  std::vector<std::int64_t> prompt;
  if (!args.contains("prompt_ids") || !args["prompt_ids"].is_array()) throw Error("token ids are required", "--prompt-ids");
  for (const auto& v : args["prompt_ids"]) {
    if (!v.is_number_integer()) throw Error("token ids must be integers", "--prompt-ids");
    prompt.push_back(v.get<std::int64_t>());
  }
  llm::GenerationSettings g;
  g.max_new_tokens = args.value("max_tokens", std::int64_t{64});
  g.stop_at_eos = !args.value("ignore_eos", false);
  g.sampler.temperature = args.value("temperature", 0.0);
  g.sampler.top_k = args.value("top_k", std::int64_t{0});
  g.sampler.top_p = args.value("top_p", 1.0);
  g.sampler.repetition_penalty = args.value("repeat_penalty", 1.0);
  g.sampler.seed = args.value("seed", std::uint64_t{0});
  g.sampler.validate();
  const auto context = args.value("context", static_cast<std::int64_t>(prompt.size()) + g.max_new_tokens);
  llm::Session session(*model, context);
  // Extra stop tokens (a chat format's end of turn), beside the model's EOS.
  std::vector<std::int64_t> stop_ids;
  if (args.contains("stop_ids")) {
    if (!args["stop_ids"].is_array()) throw Error("stop ids must be a list of integers", "stop_ids");
    for (const auto& v : args["stop_ids"]) {
      if (!v.is_number_integer()) throw Error("stop ids must be integers", "stop_ids");
      stop_ids.push_back(v.get<std::int64_t>());
    }
  }
  const auto keep_going = [&stop_ids](std::int64_t t) { return std::find(stop_ids.begin(), stop_ids.end(), t) == stop_ids.end(); };
  auto r = llm::generate(session, prompt, g, stop_ids.empty() ? std::function<bool(std::int64_t)>{} : keep_going, progress);
  if (r.stop_reason == "callback") r.stop_reason = "stop_token";
  const auto n = static_cast<double>(r.tokens.size());
  return {{"model", model_json(*model)},
          {"device", args.value("device", std::string("cpu"))},
          {"prompt_tokens", r.prompt_tokens},
          {"tokens", r.tokens},
          {"stop_reason", r.stop_reason},
          {"prefill_seconds", r.prefill_seconds},
          {"decode_seconds", r.decode_seconds},
          {"prefill_tokens_per_second", r.prefill_seconds > 0 ? static_cast<double>(r.prompt_tokens) / r.prefill_seconds : 0.0},
          {"decode_tokens_per_second", r.decode_seconds > 0 && n > 1 ? (n - 1) / r.decode_seconds : 0.0},
          {"memory", memory_json(r.memory)}};
}

nlohmann::json llm_bench(const nlohmann::json& args, Progress& progress) {
  auto model = load_model(args, progress);
  const auto prompt_tokens = args.value("prompt_tokens", std::int64_t{128});
  const auto gen_tokens = args.value("gen_tokens", std::int64_t{64});
  if (prompt_tokens < 1 || gen_tokens < 2) throw Error("need at least 1 prompt and 2 generated tokens", "--prompt-tokens");
  std::mt19937_64 rng(args.value("seed", std::uint64_t{1}));
  std::vector<std::int64_t> prompt(static_cast<std::size_t>(prompt_tokens));
  for (auto& t : prompt) t = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(model->spec().vocab_size));
  // A given prompt (e.g. the one another engine was timed on) replaces the random one.
  if (args.contains("prompt_ids") && args["prompt_ids"].is_array()) prompt = args["prompt_ids"].get<std::vector<std::int64_t>>();
  const auto prompt_tokens_used = static_cast<std::int64_t>(prompt.size());
  llm::Session session(*model, prompt_tokens_used + gen_tokens);
  llm::GenerationSettings g;
  g.max_new_tokens = gen_tokens;
  g.stop_at_eos = false;
  // One short untimed pass first: first-call costs (allocator, thread pools, CUDA context).
  const std::vector<std::int64_t> warm(prompt.begin(), prompt.begin() + std::min<std::int64_t>(prompt_tokens_used, 8));
  llm::GenerationSettings gw = g;
  gw.max_new_tokens = 2;
  llm::generate(session, warm, gw, {}, Progress::none());
  session.reset();
  const auto r = llm::generate(session, prompt, g, {}, progress);
  const auto decoded = static_cast<double>(r.tokens.size()) - 1;
  // Which decode path ran on CUDA (llm_decoder_cuda_step.cpp): step count, graph or eager, or
  // why the model is not covered.
  const auto step = model->cuda_decode_stats();
  nlohmann::json cuda_step{{"steps", step.steps},
                           {"device_picks", step.device_picks},
                           {"graph", step.graph},
                           {"graph_failed", step.graph_failed},
                           {"declined", step.declined}};
  // EBSD_CUDA_PROFILE=1: GPU time per step and kernel class (cuda/decode_step.hpp).
  if (step.profiled_steps + step.profiled_graph_steps > 0) {
    nlohmann::json p = nlohmann::json::array();
    for (const auto& e : step.profile)
      p.push_back({{"kernel", e.kernel}, {"gpu_us_per_step", e.gpu_us_per_step}, {"launches_per_step", e.launches_per_step}});
    cuda_step["profile"] = p;
    cuda_step["profiled_steps"] = step.profiled_steps;
    cuda_step["profiled_graph_steps"] = step.profiled_graph_steps;
  }
  return {{"model", model_json(*model)},
          {"cuda_decode_step", cuda_step},
          {"device", args.value("device", std::string("cpu"))},
          {"dtype", args.value("dtype", std::string(model->options().device().is_cuda() ? "bf16" : "f32"))},
          {"threads", torch::get_num_threads()},
          {"prompt_tokens", prompt_tokens_used},
          {"generated_tokens", r.tokens.size()},
          {"tokens", r.tokens},
          {"quant_isa", quant::isa_name(quant::best_isa())},
          {"stop_reason", r.stop_reason},
          {"prefill_seconds", r.prefill_seconds},
          {"decode_seconds", r.decode_seconds},
          {"prefill_cpu_seconds", r.prefill_cpu_seconds},
          {"decode_cpu_seconds", r.decode_cpu_seconds},
          {"prefill_tokens_per_second", static_cast<double>(prompt_tokens_used) / r.prefill_seconds},
          {"decode_tokens_per_second", decoded / r.decode_seconds},
          {"memory", memory_json(r.memory)}};
}

}  // namespace

pipeline::Task make_llm_run_task() {
  return {"llm-run", "Generate tokens with a GGUF or safetensors LLM (Llama, Qwen2, Gemma2)", llm_run};
}
pipeline::Task make_llm_bench_task() {
  return {"llm-bench", "LLM prefill and decode tokens per second and memory on random prompt ids", llm_bench};
}

}  // namespace ebsd::gpu
