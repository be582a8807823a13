#pragma once
// The host side of the opaque handles that ebsd_plugin.h declares, and the one host function
// table every plugin receives. A handle lives on the host's stack for the length of one
// callback; plugins only ever see pointers to it.
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "ebsd/core/progress.hpp"
#include "ebsd/io/side_image.hpp"
#include "ebsd/pipeline/data_shape.hpp"
#include "ebsd/pipeline/parameter.hpp"
#include "ebsd/volume/volume.hpp"
#include "ebsd_sdk/ebsd_plugin.h"

struct ebsd_volume {
  ebsd::Volume* volume = nullptr;
  ebsd_context* ctx = nullptr;  // where failures of volume functions are reported
};

struct ebsd_context {
  // Progress of the callback's own work; Progress::none() during preflight and sniffing.
  const ebsd::Progress* progress = &ebsd::Progress::none();
  bool may_create_volume = false;  // readers and source steps only
  std::string error;
  std::vector<std::string> warnings;
  nlohmann::json report = nlohmann::json::object();
  std::function<void(const std::string&)> log;
  // What create_volume made; the adapter takes it when the callback succeeds.
  std::optional<ebsd::Volume> created;
  ebsd_volume created_handle;
};

struct ebsd_params {
  const ebsd::pipeline::ParameterValues* values = nullptr;
};

struct ebsd_shape {
  ebsd::pipeline::DataShape* shape = nullptr;
};

struct ebsd_image_sink {
  ebsd_context* ctx = nullptr;
  std::deque<ebsd::io::GreyImage> pages;  // a deque: pointers handed out stay valid
};

namespace ebsd::plugins {

// The table passed to every plugin's ebsd_plugin_register.
const ebsd_host_api& host_api();

}  // namespace ebsd::plugins
