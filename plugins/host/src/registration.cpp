#include "registration.hpp"

#include <algorithm>
#include <cmath>
#include <cctype>

#include "ebsd/core/error.hpp"

namespace ebsd::plugins {
namespace {

using nlohmann::json;
using pipeline::ParamType;

std::string text(const char* s) { return s ? std::string(s) : std::string(); }

// SDK 1.0 is the first ABI: every descriptor a plugin passes is at least its 1.0 size. A
// plugin built against a later minor passes a larger struct_size, whose extra fields this
// host does not know and ignores.
template <class Desc>
void check_size(const Desc* d, const char* what) {
  if (!d) throw Error(std::string("a null ") + what + " descriptor");
  if (d->struct_size < sizeof(Desc))
    throw Error(std::string("the ") + what + " descriptor's struct_size is " + std::to_string(d->struct_size) +
                ", smaller than SDK 1.0's " + std::to_string(sizeof(Desc)) + " (set it to sizeof)");
}

ParamType param_type_from_c(std::int32_t t, const std::string& name) {
  switch (t) {
    case EBSD_PARAM_BOOL: return ParamType::Bool;
    case EBSD_PARAM_INT: return ParamType::Int;
    case EBSD_PARAM_FLOAT: return ParamType::Float;
    case EBSD_PARAM_STRING: return ParamType::String;
    case EBSD_PARAM_CHOICE: return ParamType::Choice;
    case EBSD_PARAM_INPUT_PATH: return ParamType::InputPath;
    case EBSD_PARAM_INPUT_PATHS: return ParamType::InputPaths;
    case EBSD_PARAM_OUTPUT_PATH: return ParamType::OutputPath;
    case EBSD_PARAM_INT_LIST: return ParamType::IntList;
    case EBSD_PARAM_FLOAT_LIST: return ParamType::FloatList;
    case EBSD_PARAM_STRING_LIST: return ParamType::StringList;
    default: throw Error("unknown parameter type " + std::to_string(t), "", "parameter '" + name + "'");
  }
}

std::vector<std::string> strings(const char* const* items, std::uint32_t count, const char* what) {
  if (count > 0 && !items) throw Error(std::string("a count of ") + what + " without the array");
  std::vector<std::string> out;
  for (std::uint32_t k = 0; k < count; ++k) {
    if (!items[k]) throw Error(std::string("a null entry among the ") + what);
    out.emplace_back(items[k]);
  }
  return out;
}

// The array is walked with the plugin's own element size (its first struct_size), so a
// plugin built against a later minor, with larger descriptors, is read correctly.
std::vector<pipeline::ParameterSpec> parameters(const ebsd_param_desc* params, std::uint32_t count) {
  std::vector<pipeline::ParameterSpec> out;
  if (count == 0) return out;
  check_size(params, "parameter");
  const std::size_t stride = params->struct_size;
  const char* base = reinterpret_cast<const char*>(params);
  for (std::uint32_t k = 0; k < count; ++k) {
    const auto* d = reinterpret_cast<const ebsd_param_desc*>(base + k * stride);
    check_size(d, "parameter");
    out.push_back(parameter_from_c(*d));
  }
  return out;
}

std::vector<std::string> extensions(const char* const* items, std::uint32_t count) {
  auto out = strings(items, count, "extensions");
  for (auto& e : out) {
    std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (e.empty() || e.front() != '.') throw Error("an extension starts with a dot: '" + e + "'");
  }
  return out;
}

DeclaredStep step_from_c(const ebsd_step_desc* d) {
  check_size(d, "step");
  DeclaredStep s;
  s.info.id = text(d->id);
  if (!valid_kebab_name(s.info.id))
    throw Error("a step id is lower-case letters, digits and '-', at most 64 characters: '" + s.info.id + "'");
  const std::string place = "step '" + s.info.id + "'";
  if (!d->execute) throw Error("the step has no execute callback", "", place);
  if (d->input != EBSD_STEP_INPUT_VOLUME && d->input != EBSD_STEP_INPUT_NONE)
    throw Error("input must be EBSD_STEP_INPUT_VOLUME or EBSD_STEP_INPUT_NONE", "", place);
  s.info.title = d->title && *d->title ? d->title : s.info.id;
  s.info.category = d->category && *d->category ? d->category : "Plugins";
  s.info.description = text(d->description);
  try {
    s.info.parameters = parameters(d->params, d->param_count);
  } catch (const Error& e) {
    throw Error(e.problem(), "", place + (e.place().empty() ? "" : ", " + e.place()));
  }
  s.info.input = d->input == EBSD_STEP_INPUT_NONE ? pipeline::StepInput::None : pipeline::StepInput::Volume;
  s.info.writes_files = d->writes_files != 0;
  s.preflight = d->preflight;
  s.execute = d->execute;
  s.user = d->user;
  return s;
}

DeclaredFormat format_from_c(const ebsd_format_desc* d) {
  check_size(d, "format");
  DeclaredFormat f;
  f.name = text(d->name);
  if (f.name.empty()) throw Error("a format needs a name");
  const std::string place = "format '" + f.name + "'";
  if (!d->read && !d->write) throw Error("the format can neither read nor write", "", place);
  if (d->read && !d->sniff) throw Error("a format that reads needs a sniff callback", "", place);
  f.description = text(d->description);
  try {
    f.extensions = extensions(d->extensions, d->extension_count);
  } catch (const Error& e) {
    throw Error(e.problem(), "", place);
  }
  if (d->write && f.extensions.empty()) throw Error("a format that writes needs an extension", "", place);
  f.sniff = d->sniff;
  f.read = d->read;
  f.write = d->write;
  f.user = d->user;
  return f;
}

DeclaredModality modality_from_c(const ebsd_modality_desc* d) {
  check_size(d, "modality");
  DeclaredModality m;
  m.name = text(d->name);
  // The name becomes part of the step ids import-<name> and predict-<name>.
  if (!valid_kebab_name(m.name) || m.name.size() > 50)
    throw Error("a modality name is lower-case letters, digits and '-', at most 50 characters: '" + m.name + "'");
  const std::string place = "modality '" + m.name + "'";
  if (!d->read_images) throw Error("the modality has no read_images callback", "", place);
  m.title = d->title && *d->title ? d->title : m.name;
  m.unit = text(d->unit);
  m.description = text(d->description);
  try {
    m.extensions = extensions(d->extensions, d->extension_count);
    m.predict_parameters = parameters(d->predict_params, d->predict_param_count);
  } catch (const Error& e) {
    throw Error(e.problem(), "", place + (e.place().empty() ? "" : ", " + e.place()));
  }
  m.read_images = d->read_images;
  m.predict = d->predict;
  m.predict_description = text(d->predict_description);
  m.predict_unit = text(d->predict_unit);
  m.user = d->user;
  return m;
}

// --- the registrar's C functions -----------------------------------------------------------

// Runs one declaration; a refusal is remembered both as the latest error and, when it is the
// first, as the reason the whole plugin fails to load.
template <class F>
ebsd_status declare(ebsd_registration* r, F&& body) noexcept {
  if (!r) return EBSD_ERROR;
  try {
    body();
    r->last_error.clear();
    return EBSD_OK;
  } catch (const std::exception& e) {
    try {
      r->last_error = e.what();
      if (r->failure.empty()) r->failure = r->last_error;
    } catch (...) {
    }
  }
  return EBSD_ERROR;
}

ebsd_status set_info(ebsd_registration* r, const ebsd_plugin_info* info) {
  return declare(r, [&] {
    check_size(info, "plugin info");
    const std::string name = text(info->name);
    if (name.empty()) throw Error("the plugin info needs a name");
    r->name = name;
    r->version = text(info->version);
    r->description = text(info->description);
  });
}

ebsd_status add_step(ebsd_registration* r, const ebsd_step_desc* d) {
  return declare(r, [&] { r->steps.push_back(step_from_c(d)); });
}

ebsd_status add_format(ebsd_registration* r, const ebsd_format_desc* d) {
  return declare(r, [&] { r->formats.push_back(format_from_c(d)); });
}

ebsd_status add_modality(ebsd_registration* r, const ebsd_modality_desc* d) {
  return declare(r, [&] { r->modalities.push_back(modality_from_c(d)); });
}

void set_error(ebsd_registration* r, const char* message) {
  if (!r) return;
  try {
    // The plugin's own words come first; a refused declaration before them stays the reason.
    if (r->failure.empty()) r->failure = message && *message ? message : "registration failed without a message";
  } catch (...) {
  }
}

const char* last_error(ebsd_registration* r) { return r ? r->last_error.c_str() : ""; }

}  // namespace

bool valid_kebab_name(const std::string& name) {
  if (name.empty() || name.size() > 64 || name.front() == '-' || name.back() == '-') return false;
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

pipeline::ParameterSpec parameter_from_c(const ebsd_param_desc& d) {
  pipeline::ParameterSpec s;
  s.name = text(d.name);
  if (s.name.empty()) throw Error("a parameter needs a name");
  const std::string place = "parameter '" + s.name + "'";
  s.type = param_type_from_c(d.type, s.name);
  if (d.default_json) {
    s.default_value = json::parse(d.default_json, nullptr, false);
    if (s.default_value.is_discarded())
      throw Error(std::string("the default is not JSON text: '") + d.default_json + "' (a string needs quotes)", "", place);
    if (s.default_value.is_null()) throw Error("the default is JSON null; pass NULL to make the parameter required", "", place);
  }
  if (d.has_min) {
    if (!std::isfinite(d.min)) throw Error("min is not a finite number", "", place);
    s.min = d.min;
  }
  if (d.has_max) {
    if (!std::isfinite(d.max)) throw Error("max is not a finite number", "", place);
    s.max = d.max;
  }
  if (s.min && s.max && *s.min > *s.max) throw Error("min is larger than max", "", place);
  try {
    s.choices = strings(d.choices, d.choice_count, "choices");
  } catch (const Error& e) {
    throw Error(e.problem(), "", place);
  }
  s.unit = text(d.unit);
  s.help = text(d.help);
  if (d.list_size > 0) s.list_size = d.list_size;
  // Defaults in canonical form, as values given by users are ("5.0" for an integer becomes
  // 5, a single path a one-element list), so a plugin reads both through the same getters.
  // Empty text and empty lists mean "not given" and stay; a default that fails its own check
  // is left for the step registry to refuse with its message.
  const auto& def = s.default_value;
  const bool empty = def.is_null() || (def.is_string() && def.get<std::string>().empty()) || (def.is_array() && def.empty());
  if (!empty) {
    try {
      s.default_value = pipeline::check_value(s, def);
    } catch (const Error&) {
    }
  }
  return s;
}

ebsd_registrar make_registrar(ebsd_registration& r) {
  ebsd_registrar g{};
  g.struct_size = sizeof(ebsd_registrar);
  g.registration = &r;
  g.set_info = &set_info;
  g.add_step = &add_step;
  g.add_format = &add_format;
  g.add_modality = &add_modality;
  g.set_error = &set_error;
  g.last_error = &last_error;
  return g;
}

}  // namespace ebsd::plugins
