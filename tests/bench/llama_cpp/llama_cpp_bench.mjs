// llama.cpp's side of the LLM benchmark (tests/bench/bench_llm_vs_llama_cpp.cpp), through the
// prebuilt binaries of node-llama-cpp installed by scripts/install-llama-cpp.sh. Never builds
// or downloads anything: build "never", prebuilt binaries only, and it fails unless the binary
// it loaded is the prebuilt one.
//   node llama_cpp_bench.mjs MODEL.gguf THREADS PROMPT_TOKENS GEN_TOKENS SEED
// Prints one JSON line: prefill and decode tokens per second, the greedy tokens generated
// after the prompt, the prompt itself, and llama.cpp's system info (which CPU features it uses).
import {getLlama, LlamaLogLevel} from "node-llama-cpp";

const [modelPath, threadsArg, promptArg, genArg, seedArg] = process.argv.slice(2);
if (!modelPath) {
  console.error("usage: node llama_cpp_bench.mjs MODEL THREADS PROMPT_TOKENS GEN_TOKENS SEED");
  process.exit(2);
}
const threads = Number(threadsArg ?? 2), promptTokens = Number(promptArg ?? 128), genTokens = Number(genArg ?? 64);
const seed = BigInt(seedArg ?? 1);

const logs = [];
const llama = await getLlama({
  gpu: false, build: "never", usePrebuiltBinaries: true, skipDownload: true, progressLogs: false,
  maxThreads: threads, logLevel: LlamaLogLevel.info,
  logger: (level, message) => { if (/backend|CPU|AMX|REPACK|repack|extra buffer/i.test(message)) logs.push(message.trim()); },
});
if (llama.buildType !== "prebuilt") throw new Error(`expected node-llama-cpp's prebuilt llama.cpp, got a ${llama.buildType}`);
const model = await llama.loadModel({modelPath, gpuLayers: 0, useMmap: true});
const context = await model.createContext({
  contextSize: promptTokens + genTokens + 16, batchSize: Math.max(promptTokens, 8), threads: {ideal: threads, min: threads},
});
const sequence = context.getSequence();

// The prompt: the same generator as the C++ side (splitmix64 of the seed), ids below the vocabulary size.
const vocab = model.fileInsights.metadata?.qwen2?.vocab_size ?? model.tokens.length ?? 151936;
let state = seed;
const mask = (1n << 64n) - 1n;
function next() {
  state = (state + 0x9E3779B97F4A7C15n) & mask;
  let z = state;
  z = ((z ^ (z >> 30n)) * 0xBF58476D1CE4E5B9n) & mask;
  z = ((z ^ (z >> 27n)) * 0x94D049BB133111EBn) & mask;
  return z ^ (z >> 31n);
}
const prompt = Array.from({length: promptTokens}, () => Number(next() % BigInt(vocab)));

// Warm-up (first-call costs), then the timed run on a clean sequence.
await sequence.evaluateWithoutGeneratingNewTokens(prompt.slice(0, 8));
await sequence.clearHistory();

let t0 = process.hrtime.bigint();
await sequence.evaluateWithoutGeneratingNewTokens(prompt.slice(0, promptTokens - 1));
const prefillSeconds = Number(process.hrtime.bigint() - t0) / 1e9;

// Decode: each step evaluates one token and samples the next greedily. The first step
// evaluates the prompt's last token (one token, like every other step).
const generated = [];
t0 = process.hrtime.bigint();
for await (const token of sequence.evaluate([prompt[promptTokens - 1]], {temperature: 0})) {
  generated.push(token);
  if (generated.length >= genTokens) break;
}
const decodeSeconds = Number(process.hrtime.bigint() - t0) / 1e9;

console.log(JSON.stringify({
  prefill_tokens: promptTokens - 1, prefill_seconds: prefillSeconds,
  prefill_tokens_per_second: (promptTokens - 1) / prefillSeconds,
  decode_steps: generated.length, decode_seconds: decodeSeconds,
  decode_tokens_per_second: generated.length / decodeSeconds,
  prompt, tokens: generated, threads, build: llama.buildType, system_info: llama.systemInfo, logs,
}));
await context.dispose();
await model.dispose();
await llama.dispose();
