#include "ebsd/pipeline/pipeline_file.hpp"

#include <fstream>
#include <random>
#include <set>
#include <sstream>

namespace ebsd::pipeline {
namespace {

using nlohmann::json;

std::string step_place(std::size_t i) { return "steps[" + std::to_string(i) + "]"; }

}  // namespace

json Pipeline::to_json() const {
  json steps_json = json::array();
  for (const auto& s : steps) {
    json j{{"step", s.step}, {"params", s.params}};
    if (!s.label.empty()) j["label"] = s.label;
    steps_json.push_back(j);
  }
  json j{{"format", kPipelineFormat}, {"version", kPipelineVersion}, {"steps", steps_json}};
  if (!name.empty()) j["name"] = name;
  if (!description.empty()) j["description"] = description;
  return j;
}

Pipeline parse_pipeline(const json& j, const std::string& source) {
  if (!j.is_object()) throw PipelineError("a pipeline file is a JSON object", source);
  if (j.value("format", std::string()) != kPipelineFormat)
    throw PipelineError(std::string("expected \"format\": \"") + kPipelineFormat + "\"", source, "format");
  if (!j.contains("version") || !j["version"].is_number_integer())
    throw PipelineError("expected an integer \"version\"", source, "version");
  const int version = j["version"].get<int>();
  if (version < 1 || version > kPipelineVersion)
    throw PipelineError("pipeline format version " + std::to_string(version) + " is not supported (this build reads 1 to " +
                            std::to_string(kPipelineVersion) + ")",
                        source, "version");
  for (const auto& [key, value] : j.items())
    if (key != "format" && key != "version" && key != "name" && key != "description" && key != "steps")
      throw PipelineError("unknown key '" + key + "'", source);
  Pipeline p;
  p.source = source;
  if (j.contains("name")) {
    if (!j["name"].is_string()) throw PipelineError("expected text", source, "name");
    p.name = j["name"].get<std::string>();
  }
  if (j.contains("description")) {
    if (!j["description"].is_string()) throw PipelineError("expected text", source, "description");
    p.description = j["description"].get<std::string>();
  }
  if (!j.contains("steps") || !j["steps"].is_array() || j["steps"].empty())
    throw PipelineError("expected a non-empty array \"steps\"", source, "steps");
  std::set<std::string> labels;
  for (std::size_t i = 0; i < j["steps"].size(); ++i) {
    const auto& s = j["steps"][i];
    if (!s.is_object() || !s.contains("step") || !s["step"].is_string())
      throw PipelineError("each step is an object with a \"step\" id", source, step_place(i));
    for (const auto& [key, value] : s.items())
      if (key != "step" && key != "label" && key != "params")
        throw PipelineError("unknown key '" + key + "' (a step has step, label, params)", source, step_place(i));
    PipelineStep ps;
    ps.step = s["step"].get<std::string>();
    if (s.contains("label")) {
      if (!s["label"].is_string() || s["label"].get<std::string>().empty())
        throw PipelineError("a label is non-empty text", source, step_place(i));
      ps.label = s["label"].get<std::string>();
      if (!labels.insert(ps.label).second) throw PipelineError("label '" + ps.label + "' is used twice", source, step_place(i));
    }
    if (s.contains("params")) {
      if (!s["params"].is_object()) throw PipelineError("\"params\" must be an object", source, step_place(i));
      ps.params = s["params"];
    }
    p.steps.push_back(std::move(ps));
  }
  return p;
}

Pipeline load_pipeline(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw PipelineError("cannot open the pipeline file", path.string());
  std::ostringstream text;
  text << in.rdbuf();
  if (text.str().size() > (16u << 20)) throw PipelineError("a pipeline file over 16 MB is not a pipeline", path.string());
  json j;
  try {
    j = json::parse(text.str());
  } catch (const json::parse_error& e) {
    // nlohmann says where ("parse error at line 4, column 1: ...") after an id users need not see.
    std::string why = e.what();
    if (const auto close = why.find("] "); why.rfind("[json.exception", 0) == 0 && close != std::string::npos)
      why = why.substr(close + 2);
    throw PipelineError("not valid JSON: " + why, path.string());
  }
  return parse_pipeline(j, path.string());
}

void save_pipeline(const std::filesystem::path& path, const Pipeline& p) {
  // Write aside, then rename: a failed save never destroys the previous file.
  std::random_device rd;
  const auto tmp = path.string() + ".part-" + std::to_string(rd());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error("cannot write the pipeline file", path.string());
    out << p.to_json().dump(2) << "\n";
    out.flush();
    if (!out) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      throw Error("writing the pipeline file failed", path.string());
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw Error("cannot replace the pipeline file", path.string());
  }
}

std::size_t find_pipeline_step(const Pipeline& p, const std::string& name) {
  for (std::size_t i = 0; i < p.steps.size(); ++i)
    if (p.steps[i].label == name) return i;
  if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos && name.size() < 6) {
    const auto k = std::stoul(name);
    if (k >= 1 && k <= p.steps.size()) return k - 1;
    throw PipelineError("there is no step " + name + " (the pipeline has " + std::to_string(p.steps.size()) + ")", p.source);
  }
  std::size_t found = p.steps.size();
  for (std::size_t i = 0; i < p.steps.size(); ++i) {
    if (p.steps[i].step != name) continue;
    if (found != p.steps.size())
      throw PipelineError("step '" + name + "' occurs more than once: name it by position (e.g. " +
                              std::to_string(found + 1) + ") or give it a label",
                          p.source);
    found = i;
  }
  if (found == p.steps.size()) throw PipelineError("no step is labelled or named '" + name + "'", p.source);
  return found;
}

void apply_override(Pipeline& p, const std::string& assignment) {
  const auto eq = assignment.find('=');
  const auto dot = assignment.rfind('.', eq);
  if (eq == std::string::npos || dot == std::string::npos || dot == 0 || dot + 1 >= eq)
    throw PipelineError("--set expects STEP.PARAM=VALUE, got '" + assignment + "'", p.source);
  const std::string step = assignment.substr(0, dot);
  const std::string param = assignment.substr(dot + 1, eq - dot - 1);
  const std::string text = assignment.substr(eq + 1);
  auto& target = p.steps[find_pipeline_step(p, step)];
  // Kept as text: the step's declared type turns it into a value in resolve_pipeline.
  target.params[param] = json{{"$text", text}};
}

}  // namespace ebsd::pipeline
