// `ebsd llm run|bench|convert`: the LLM engine from the command line.
//   run:     --model PATH (--prompt-ids 1,2,3 | --prompt TEXT [--chat [--system TEXT]]) [--max-tokens N] [--device cpu|cuda]
//            [--dtype f32|f16|bf16] [--temperature T --top-k K --top-p P --repeat-penalty R --seed S] [--json]
//   bench:   --model PATH [--prompt-tokens N | --prompt-ids 1,2,3] [--gen-tokens M] [--device] [--dtype] [--threads] [--json]
//   convert: --model PATH (safetensors file or folder) --out FILE.gguf [--type f32|f16|bf16|q8_0|q4_0]
//            [--embedding-type TYPE]
//   random-model: --out FILE.gguf [--type q8_0|q4_0|f16|...] [--embedding-type TYPE] [--layers N] [--seed S]
//            a random-weight Qwen2.5-0.5B-shaped GGUF (benchmarks: speed barely depends on values)
// run and bench go through the GPU module's tasks (LibTorch loads only for them); convert and the
// tokenizer (text prompts, chat templates, streaming the generated text) are torch-free (io/model).
#include <cstdio>
#include <optional>
#include <sstream>

#include "cli_registry.hpp"
#include "cli_support.hpp"
#include "commands.hpp"
#include "ebsd/core/error.hpp"
#include "ebsd/io/model/chat_template.hpp"
#include "ebsd/io/model/convert.hpp"
#include "ebsd/io/model/tokenizer.hpp"
#include "ebsd/io/model/random_model.hpp"

namespace ebsd::cli {
namespace {

std::vector<std::int64_t> parse_ids(const std::string& text) {
  std::vector<std::int64_t> ids;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    std::size_t used = 0;
    long long v = 0;
    try {
      v = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != item.size()) throw UsageError("llm run", "--prompt-ids: '" + item + "' is not an integer");
    ids.push_back(v);
  }
  if (ids.empty()) throw UsageError("llm run", "--prompt-ids: no token ids");
  return ids;
}

std::string mib(const nlohmann::json& j, const char* key) {
  char b[32];
  std::snprintf(b, sizeof b, "%.2f MiB", j.value(key, std::uint64_t{0}) / 1048576.0);
  return b;
}

void print_memory(const nlohmann::json& m) {
  std::fprintf(stderr, "memory: weights %s mapped + %s owned, KV %s, activations peak %s; process peak RSS %s\n",
               mib(m, "weights_mapped_bytes").c_str(), mib(m, "weights_owned_bytes").c_str(),
               mib(m, "kv_reserved_bytes").c_str(), mib(m, "activations_peak_bytes").c_str(),
               mib(m, "process_peak_rss_bytes").c_str());
}

}  // namespace

void register_llm(CLI::App& app, CommandList& out) {
  auto* llm = app.add_subcommand("llm", "Run, benchmark and convert language models (GGUF, safetensors)");
  llm->require_subcommand(1);

  struct RunArgs {
    std::string model, prompt_ids, prompt, system, device = "cpu", dtype;
    std::int64_t max_tokens = 64, top_k = 0, context = 0;
    double temperature = 0, top_p = 1, repeat_penalty = 1;
    std::uint64_t seed = 0;
    int threads = 0;
    bool json = false, ignore_eos = false, chat = false;
  };
  auto r = std::make_shared<RunArgs>();
  auto* run = llm->add_subcommand("run", "Generate tokens from a prompt");
  run->add_option("--model", r->model, "GGUF file, or safetensors file / folder with config.json")->required();
  auto* ids = run->add_option("--prompt-ids", r->prompt_ids, "Prompt as comma-separated token ids");
  auto* text = run->add_option("--prompt", r->prompt, "Prompt text, tokenized with the model's tokenizer (GGUF metadata or tokenizer.json)");
  ids->excludes(text);
  auto* chat = run->add_flag("--chat", r->chat, "Send --prompt as a user message in the model's chat format and stop at the end of the turn");
  chat->needs(text);
  run->add_option("--system", r->system, "System message for --chat")->needs(chat);
  run->add_option("--max-tokens", r->max_tokens, "Tokens to generate")->capture_default_str()->check(CLI::Range(0, 1 << 20));
  run->add_option("--device", r->device, "cpu or cuda")->capture_default_str();
  run->add_option("--dtype", r->dtype, "Compute type f32, f16 or bf16 (default f32 on CPU, bf16 on CUDA)");
  run->add_option("--temperature", r->temperature, "0 = greedy")->capture_default_str();
  run->add_option("--top-k", r->top_k, "Keep the k most likely tokens (0 = all)")->capture_default_str();
  run->add_option("--top-p", r->top_p, "Nucleus mass")->capture_default_str();
  run->add_option("--repeat-penalty", r->repeat_penalty, "Repetition penalty over the last 64 tokens")->capture_default_str();
  run->add_option("--seed", r->seed, "Sampling seed")->capture_default_str();
  run->add_option("--context", r->context, "KV cache tokens (default prompt + max tokens)");
  run->add_option("--threads", r->threads, "CPU threads (0 = LibTorch's default)");
  run->add_flag("--ignore-eos", r->ignore_eos, "Keep generating after the end-of-sequence token");
  run->add_flag("--json", r->json, "Print the result as JSON");
  out.push_back({run, [r]() {
                   if (r->prompt_ids.empty() && r->prompt.empty()) throw UsageError("llm run", "give --prompt or --prompt-ids");
                   namespace im = ebsd::io::model;
                   std::optional<im::Tokenizer> tokenizer;
                   std::vector<std::int64_t> prompt;
                   std::vector<std::int32_t> stop;
                   if (!r->prompt.empty()) {
                     tokenizer.emplace(im::load_model_tokenizer(r->model));
                     std::vector<std::int32_t> ids;
                     if (r->chat) {
                       const auto format = im::chat_format_for(*tokenizer);
                       std::vector<im::ChatMessage> messages;
                       if (!r->system.empty()) messages.push_back({"system", r->system});
                       messages.push_back({"user", r->prompt});
                       ids = tokenizer->encode(im::format_chat(format, messages, true, *tokenizer), false);
                       stop = im::chat_stop_tokens(format, *tokenizer);
                     } else {
                       ids = tokenizer->encode(r->prompt);
                     }
                     if (ids.empty()) throw Error("the prompt gives no tokens", "--prompt");
                     prompt.assign(ids.begin(), ids.end());
                   } else {
                     prompt = parse_ids(r->prompt_ids);
                   }
                   nlohmann::json args{{"model", r->model},
                                       {"prompt_ids", prompt},
                                       {"max_tokens", r->max_tokens},
                                       {"device", r->device},
                                       {"temperature", r->temperature},
                                       {"top_k", r->top_k},
                                       {"top_p", r->top_p},
                                       {"repeat_penalty", r->repeat_penalty},
                                       {"seed", r->seed},
                                       {"threads", r->threads},
                                       {"ignore_eos", r->ignore_eos}};
                   if (!r->dtype.empty()) args["dtype"] = r->dtype;
                   if (r->context > 0) args["context"] = r->context;
                   if (!stop.empty() && !r->ignore_eos) args["stop_ids"] = stop;
                   const auto& task = task_registry().get("llm-run");
                   // Tokens stream through the progress messages "token <id>": print each as it comes,
                   // as text when the prompt was text (partial UTF-8 characters wait for the rest).
                   const bool stream = !r->json;
                   std::optional<im::StreamingDecoder> decoder;
                   if (tokenizer) decoder.emplace(*tokenizer);
                   Progress progress(
                       [stream, &decoder](double, const std::string& m) {
                         if (!stream || m.rfind("token ", 0) != 0) return;
                         if (decoder)
                           std::fputs(decoder->feed(static_cast<std::int32_t>(std::stoll(m.substr(6)))).c_str(), stdout);
                         else
                           std::printf("%s ", m.c_str() + 6);
                         std::fflush(stdout);
                       },
                       &interrupt_token());
                   auto res = task.run(args, progress);
                   if (tokenizer) {
                     const auto generated = res["tokens"].get<std::vector<std::int32_t>>();
                     res["prompt_ids"] = prompt;
                     res["text"] = tokenizer->decode(generated, true);
                   }
                   if (r->json) {
                     print_json(res);
                     return 0;
                   }
                   if (decoder) std::fputs(decoder->finish().c_str(), stdout);
                   std::printf("\n");
                   std::fprintf(stderr, "%zu tokens (%s); prefill %.1f tok/s, decode %.1f tok/s\n", res["tokens"].size(),
                                res["stop_reason"].get<std::string>().c_str(),
                                res["prefill_tokens_per_second"].get<double>(), res["decode_tokens_per_second"].get<double>());
                   print_memory(res["memory"]);
                   return 0;
                 }});

  struct BenchArgs {
    std::string model, device = "cpu", dtype, prompt_ids;
    std::int64_t prompt_tokens = 128, gen_tokens = 64;
    int threads = 0;
    std::uint64_t seed = 1;
    bool json = false;
  };
  auto b = std::make_shared<BenchArgs>();
  auto* bench = llm->add_subcommand("bench", "Prefill and decode tokens per second and peak memory on random prompt ids");
  bench->add_option("--model", b->model, "GGUF file, or safetensors file / folder")->required();
  bench->add_option("--prompt-tokens", b->prompt_tokens, "Prompt length")->capture_default_str()->check(CLI::Range(1, 1 << 20));
  bench->add_option("--gen-tokens", b->gen_tokens, "Tokens to generate")->capture_default_str()->check(CLI::Range(2, 1 << 20));
  bench->add_option("--device", b->device, "cpu or cuda")->capture_default_str();
  bench->add_option("--dtype", b->dtype, "Compute type f32, f16 or bf16");
  bench->add_option("--threads", b->threads, "CPU threads (0 = LibTorch's default)");
  bench->add_option("--seed", b->seed, "Seed of the random prompt")->capture_default_str();
  bench->add_option("--prompt-ids", b->prompt_ids, "Prompt as comma-separated token ids (instead of a random one)");
  bench->add_flag("--json", b->json, "Print the result as JSON");
  out.push_back({bench, [b]() {
                   nlohmann::json args{{"model", b->model},         {"prompt_tokens", b->prompt_tokens},
                                       {"gen_tokens", b->gen_tokens}, {"device", b->device},
                                       {"threads", b->threads},       {"seed", b->seed}};
                   if (!b->dtype.empty()) args["dtype"] = b->dtype;
                   if (!b->prompt_ids.empty()) args["prompt_ids"] = parse_ids(b->prompt_ids);
                   auto progress = make_progress("llm bench", b->json);
                   const auto res = task_registry().get("llm-bench").run(args, progress);
                   if (b->json) {
                     print_json(res);
                     return 0;
                   }
                   std::printf("%s (%s) on %s, %d threads: prefill %lld tokens %.1f tok/s, decode %lld tokens %.1f tok/s\n",
                               res["model"]["spec"]["architecture"].get<std::string>().c_str(),
                               res["model"]["format"].get<std::string>().c_str(), res["device"].get<std::string>().c_str(),
                               res["threads"].get<int>(), static_cast<long long>(res["prompt_tokens"].get<std::int64_t>()),
                               res["prefill_tokens_per_second"].get<double>(),
                               static_cast<long long>(res["generated_tokens"].get<std::int64_t>()),
                               res["decode_tokens_per_second"].get<double>());
                   std::printf("CPU seconds (all threads): prefill %.3f, decode %.3f\n", res["prefill_cpu_seconds"].get<double>(),
                               res["decode_cpu_seconds"].get<double>());
                   print_memory(res["memory"]);
                   return 0;
                 }});

  struct ConvertArgs {
    std::string model, out, type = "f16", embedding_type;
  };
  auto c = std::make_shared<ConvertArgs>();
  auto* conv = llm->add_subcommand("convert", "Convert a safetensors model (+ config.json) to GGUF");
  conv->add_option("--model", c->model, "safetensors file, index .json or folder")->required();
  conv->add_option("--out", c->out, "GGUF file to write")->required();
  conv->add_option("--type", c->type, "Matrix type: f32, f16, bf16, q8_0 or q4_0 (norms and biases stay f32)")
      ->capture_default_str()
      ->check(CLI::IsMember({"f32", "f16", "bf16", "q8_0", "q4_0"}));
  conv->add_option("--embedding-type", c->embedding_type, "Type of the token embedding and output head (default: --type)")
      ->check(CLI::IsMember({"f32", "f16", "bf16", "q8_0", "q4_0"}));
  out.push_back({conv, [c]() {
                   namespace im = ebsd::io::model;
                   const auto parse = [](const std::string& t) {
                     return t == "f32" ? im::GgmlType::F32 : t == "f16" ? im::GgmlType::F16 : t == "bf16" ? im::GgmlType::BF16
                                                          : t == "q8_0" ? im::GgmlType::Q8_0 : im::GgmlType::Q4_0;
                   };
                   const auto type = parse(c->type);
                   const auto embedding = c->embedding_type.empty() ? type : parse(c->embedding_type);
                   auto progress = make_progress("llm convert", false);
                   const auto src = im::ModelFile::open(c->model);
                   const auto rep = im::convert_to_gguf(src, c->out, type, embedding, progress);
                   std::printf("%s: %s, %zu tensors, %llu bytes\n", c->out.c_str(), src.spec().architecture_name().c_str(),
                               rep.tensors, static_cast<unsigned long long>(rep.bytes));
                   std::printf("tokenizer: %s\n", rep.tokenizer.c_str());
                   return 0;
                 }});

  struct RandomArgs {
    std::string out, type = "q8_0", embedding_type;
    std::int64_t layers = 24;
    std::uint64_t seed = 1;
  };
  auto rm = std::make_shared<RandomArgs>();
  auto* rnd = llm->add_subcommand("random-model", "Write a random-weight GGUF of the Qwen2.5-0.5B shape (for benchmarks)");
  rnd->add_option("--out", rm->out, "GGUF file to write")->required();
  rnd->add_option("--type", rm->type, "Type of the layers' matrices")
      ->capture_default_str()
      ->check(CLI::IsMember({"f32", "f16", "bf16", "q8_0", "q4_0"}));
  rnd->add_option("--embedding-type", rm->embedding_type, "Type of the token embedding / output head (default: --type)")
      ->check(CLI::IsMember({"f32", "f16", "bf16", "q8_0", "q4_0"}));
  rnd->add_option("--layers", rm->layers, "Transformer blocks")->capture_default_str()->check(CLI::Range(1, 256));
  rnd->add_option("--seed", rm->seed, "Seed of the weights")->capture_default_str();
  out.push_back({rnd, [rm]() {
                   namespace im = ebsd::io::model;
                   const auto parse = [](const std::string& t) {
                     return t == "f32" ? im::GgmlType::F32 : t == "f16" ? im::GgmlType::F16 : t == "bf16" ? im::GgmlType::BF16
                                                          : t == "q8_0" ? im::GgmlType::Q8_0 : im::GgmlType::Q4_0;
                   };
                   auto o = im::qwen25_05b_shape();
                   o.matrix_type = parse(rm->type);
                   o.embedding_type = rm->embedding_type.empty() ? o.matrix_type : parse(rm->embedding_type);
                   o.layers = rm->layers;
                   o.seed = rm->seed;
                   const auto bytes = im::write_random_gguf(o, rm->out);
                   std::printf("%s: random qwen2 (Qwen2.5-0.5B shape, %lld layers), %llu bytes\n", rm->out.c_str(),
                               static_cast<long long>(o.layers), static_cast<unsigned long long>(bytes));
                   return 0;
                 }});
}

}  // namespace ebsd::cli
