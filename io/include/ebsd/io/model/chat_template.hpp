#pragma once
// Chat prompts for the three model families (and Llama 2), written by a small native formatter
// instead of a Jinja interpreter. The format is recognised from the chat template text in the
// model file (tokenizer.chat_template / tokenizer_config.json) by its marker tokens, or, without
// a template, from the tokens the vocabulary has. What each writes (system, user and assistant
// turns; the generation prompt) follows the families' published templates; tool calls,
// "thinking" switches and other template options are not supported.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ebsd/io/model/tokenizer.hpp"

namespace ebsd::io::model {

enum class ChatFormat {
  ChatMl,   // Qwen2/2.5/3: <|im_start|>role\n...<|im_end|>\n
  Llama2,   // <s>[INST] <<SYS>>\n...\n<</SYS>>\n\n... [/INST] ... </s>
  Llama3,   // <|begin_of_text|><|start_header_id|>role<|end_header_id|>\n\n...<|eot_id|>
  Gemma,    // <bos><start_of_turn>user\n...<end_of_turn>\n<start_of_turn>model\n
};

struct ChatMessage {
  std::string role;  // "system", "user" or "assistant"
  std::string content;
};

std::string chat_format_name(ChatFormat f);
// The format a Jinja chat template writes, from its marker tokens; nullopt when unknown.
std::optional<ChatFormat> chat_format_from_template(std::string_view jinja);
// The tokenizer's format: from its chat template, else from the marker tokens in its
// vocabulary. Throws an ebsd::Error naming the tokenizer's file when neither tells.
ChatFormat chat_format_for(const Tokenizer& tokenizer);

// The prompt text (special tokens written out, BOS included where the family's template writes
// it: encode it with add_special = false). add_generation_prompt opens the assistant's turn.
// Throws ebsd::Error for unknown roles or an empty conversation.
std::string format_chat(ChatFormat format, const std::vector<ChatMessage>& messages, bool add_generation_prompt,
                        const Tokenizer& tokenizer);

// Tokens that end the assistant's turn (EOS and the format's end-of-turn token).
std::vector<std::int32_t> chat_stop_tokens(ChatFormat format, const Tokenizer& tokenizer);

}  // namespace ebsd::io::model
