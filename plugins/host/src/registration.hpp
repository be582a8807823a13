#pragma once
// What a plugin declares while its ebsd_plugin_register runs: the host side of the registrar.
// Every descriptor is copied into C++ values during the call and checked; nothing reaches a
// registry until the plugin's registration as a whole has succeeded (plugin_loader.cpp).
#include <filesystem>
#include <string>
#include <vector>

#include "ebsd/pipeline/parameter.hpp"
#include "ebsd/pipeline/step.hpp"
#include "ebsd_sdk/ebsd_plugin.h"

namespace ebsd::plugins {

struct DeclaredStep {
  pipeline::StepInfo info;  // origin filled in when the plugin's name is known
  ebsd_step_preflight_fn preflight = nullptr;
  ebsd_step_execute_fn execute = nullptr;
  void* user = nullptr;
};

struct DeclaredFormat {
  std::string name, description;
  std::vector<std::string> extensions;
  ebsd_format_sniff_fn sniff = nullptr;
  ebsd_format_read_fn read = nullptr;
  ebsd_format_write_fn write = nullptr;
  void* user = nullptr;
};

struct DeclaredModality {
  std::string name, title, unit, description;
  std::vector<std::string> extensions;
  ebsd_modality_read_fn read_images = nullptr;
  ebsd_modality_predict_fn predict = nullptr;
  std::vector<pipeline::ParameterSpec> predict_parameters;
  std::string predict_description, predict_unit;
  void* user = nullptr;
};

// Converts one C parameter declaration; throws ebsd::Error naming the parameter.
pipeline::ParameterSpec parameter_from_c(const ebsd_param_desc& d);

// True for names usable in step ids: lower-case letters, digits and '-'.
bool valid_kebab_name(const std::string& name);

}  // namespace ebsd::plugins

// The registration behind ebsd_registrar::registration.
struct ebsd_registration {
  std::filesystem::path file;
  std::string name, version, description;  // from set_info; empty when not called
  std::vector<ebsd::plugins::DeclaredStep> steps;
  std::vector<ebsd::plugins::DeclaredFormat> formats;
  std::vector<ebsd::plugins::DeclaredModality> modalities;
  std::string failure;     // the first refused declaration or set_error: the plugin fails to load
  std::string last_error;  // why the latest add_* failed (what last_error() returns)
};

namespace ebsd::plugins {

// The registrar handed to ebsd_plugin_register, bound to `r`.
ebsd_registrar make_registrar(ebsd_registration& r);

}  // namespace ebsd::plugins
