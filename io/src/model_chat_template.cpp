// Chat prompt formatting for ChatML, Llama 2, Llama 3 and Gemma (model/chat_template.hpp).
// Each writer mirrors the family's published Jinja template for plain conversations:
//   Llama 2 (meta-llama/Llama-2-7b-chat-hf): system folded into the first user turn inside
//     <<SYS>>, contents stripped, "<s>[INST] u [/INST] a </s>" per exchange;
//   Llama 3 (meta-llama/Meta-Llama-3-8B-Instruct): header tokens, contents stripped;
//   Gemma (google/gemma-2-2b-it): roles user / model, contents stripped; Gemma's own template
//     rejects a system turn, we put it before the first user message (as Gemma 3's does);
//   ChatML (Qwen/Qwen3): contents as they are, no default system message.
#include "ebsd/io/model/chat_template.hpp"

#include <algorithm>

#include "ebsd/core/error.hpp"

namespace ebsd::io::model {
namespace {

std::string strip(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\n\r\f\v");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\n\r\f\v");
  return s.substr(b, e - b + 1);
}

std::string token_text(const Tokenizer& t, std::int32_t id) { return id >= 0 ? t.data().tokens[static_cast<std::size_t>(id)] : ""; }

void check_role(const ChatMessage& m) {
  if (m.role != "system" && m.role != "user" && m.role != "assistant")
    throw Error("unknown chat role '" + m.role + "' (system, user or assistant)", "chat");
}

std::string chatml(const std::vector<ChatMessage>& msgs, bool gen) {
  std::string out;
  for (const auto& m : msgs) out += "<|im_start|>" + m.role + "\n" + m.content + "<|im_end|>\n";
  if (gen) out += "<|im_start|>assistant\n";
  return out;
}

std::string llama3(const std::vector<ChatMessage>& msgs, bool gen, const Tokenizer& t) {
  std::string out = token_text(t, t.data().bos_id);
  for (const auto& m : msgs) out += "<|start_header_id|>" + m.role + "<|end_header_id|>\n\n" + strip(m.content) + "<|eot_id|>";
  if (gen) out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
  return out;
}

std::string gemma(std::vector<ChatMessage> msgs, bool gen, const Tokenizer& t) {
  std::string system;
  if (!msgs.empty() && msgs.front().role == "system") {
    system = strip(msgs.front().content);
    msgs.erase(msgs.begin());
  }
  std::string out = token_text(t, t.data().bos_id);
  for (std::size_t i = 0; i < msgs.size(); ++i) {
    const auto& m = msgs[i];
    if (m.role == "system") throw Error("Gemma takes a system message only at the start", "chat");
    std::string content = strip(m.content);
    if (i == 0 && !system.empty()) content = system + "\n\n" + content;
    out += "<start_of_turn>" + std::string(m.role == "assistant" ? "model" : "user") + "\n" + content + "<end_of_turn>\n";
  }
  if (gen) out += "<start_of_turn>model\n";
  return out;
}

std::string llama2(std::vector<ChatMessage> msgs, bool gen, const Tokenizer& t) {
  const auto bos = token_text(t, t.data().bos_id), eos = token_text(t, t.data().eos_id);
  std::string system;
  if (!msgs.empty() && msgs.front().role == "system") {
    system = msgs.front().content;
    msgs.erase(msgs.begin());
  }
  std::string out;
  for (std::size_t i = 0; i < msgs.size(); ++i) {
    const auto& m = msgs[i];
    if (m.role == "system") throw Error("Llama 2 takes a system message only at the start", "chat");
    if ((m.role == "user") != (i % 2 == 0)) throw Error("Llama 2 chats must alternate user and assistant turns", "chat");
    if (m.role == "user") {
      std::string content = m.content;
      if (i == 0 && !system.empty()) content = "<<SYS>>\n" + system + "\n<</SYS>>\n\n" + content;
      out += bos + "[INST] " + strip(content) + " [/INST]";
    } else {
      out += " " + strip(m.content) + " " + eos;
    }
  }
  (void)gen;  // the generation prompt is the open [/INST]
  return out;
}

}  // namespace

std::string chat_format_name(ChatFormat f) {
  switch (f) {
    case ChatFormat::ChatMl: return "chatml";
    case ChatFormat::Llama2: return "llama2";
    case ChatFormat::Llama3: return "llama3";
    case ChatFormat::Gemma: return "gemma";
  }
  return "?";
}

std::optional<ChatFormat> chat_format_from_template(std::string_view t) {
  if (t.find("<|im_start|>") != std::string_view::npos) return ChatFormat::ChatMl;
  if (t.find("<|start_header_id|>") != std::string_view::npos) return ChatFormat::Llama3;
  if (t.find("<start_of_turn>") != std::string_view::npos) return ChatFormat::Gemma;
  if (t.find("[INST]") != std::string_view::npos) return ChatFormat::Llama2;
  return std::nullopt;
}

ChatFormat chat_format_for(const Tokenizer& tok) {
  if (!tok.data().chat_template.empty()) {
    if (const auto f = chat_format_from_template(tok.data().chat_template)) return *f;
    throw Error("the chat template is not one of the supported formats (ChatML, Llama 2, Llama 3, Gemma)",
                tok.data().source, "chat_template");
  }
  if (tok.find_token("<|im_start|>") >= 0) return ChatFormat::ChatMl;
  if (tok.find_token("<|start_header_id|>") >= 0) return ChatFormat::Llama3;
  if (tok.find_token("<start_of_turn>") >= 0) return ChatFormat::Gemma;
  if (tok.data().kind == TokenizerKind::SentencePieceBpe && tok.data().bos_id >= 0 && tok.data().eos_id >= 0)
    return ChatFormat::Llama2;
  throw Error("the model has no chat template and its vocabulary names no chat format", tok.data().source, "chat_template");
}

std::string format_chat(ChatFormat format, const std::vector<ChatMessage>& messages, bool add_generation_prompt,
                        const Tokenizer& tokenizer) {
  if (messages.empty()) throw Error("the conversation is empty", "chat");
  for (const auto& m : messages) check_role(m);
  switch (format) {
    case ChatFormat::ChatMl: return chatml(messages, add_generation_prompt);
    case ChatFormat::Llama3: return llama3(messages, add_generation_prompt, tokenizer);
    case ChatFormat::Gemma: return gemma(messages, add_generation_prompt, tokenizer);
    case ChatFormat::Llama2: return llama2(messages, add_generation_prompt, tokenizer);
  }
  return {};
}

std::vector<std::int32_t> chat_stop_tokens(ChatFormat format, const Tokenizer& tokenizer) {
  std::vector<std::int32_t> ids;
  auto add = [&](std::int32_t id) {
    if (id >= 0 && std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
  };
  add(tokenizer.data().eos_id);
  for (const auto id : tokenizer.data().end_of_turn_ids) add(id);
  const char* marker = format == ChatFormat::ChatMl ? "<|im_end|>"
                       : format == ChatFormat::Llama3 ? "<|eot_id|>"
                       : format == ChatFormat::Gemma  ? "<end_of_turn>"
                                                      : nullptr;
  if (marker) add(tokenizer.find_token(marker));
  return ids;
}

}  // namespace ebsd::io::model
