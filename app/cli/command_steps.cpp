// `ebsd steps [--json] [STEP]`: every step with its parameters (what pipeline files, the GUI
// forms and plugins work with). `ebsd steps --gpu-module [--json]`: whether the GPU module
// loaded (from where, or why not) and its steps alone: what the studio, which cannot load the
// module itself, offers and runs through `ebsd run`.
#include <cmath>
#include <cstdio>
#include <iostream>

#include "cli_registry.hpp"
#include "cli_support.hpp"
#include "commands.hpp"

namespace ebsd::cli {
namespace {

std::string default_text(const pipeline::ParameterSpec& p) {
  if (p.required()) return "required";
  if (p.default_value.is_string()) return p.default_value.get<std::string>().empty() ? "none" : p.default_value.get<std::string>();
  if (p.default_value.is_array() && p.default_value.empty()) return "none";
  return p.default_value.dump();
}

void print_step(const pipeline::Step& s, bool details) {
  const auto& info = s.info();
  std::cout << info.id << "  (" << info.category << (info.origin == "builtin" ? "" : ", " + info.origin) << ")  " << info.title
            << "\n";
  if (!details) return;
  std::cout << "  " << info.description << "\n";
  for (const auto& p : info.parameters) {
    std::cout << "  " << p.name << " : " << pipeline::to_string(p.type);
    if (!p.unit.empty()) std::cout << " [" << p.unit << "]";
    std::cout << " = " << default_text(p);
    if (p.min || p.max) {
      char range[96];
      std::snprintf(range, sizeof range, "  range %g .. %g", p.min ? *p.min : -HUGE_VAL, p.max ? *p.max : HUGE_VAL);
      std::cout << range;
    }
    if (!p.choices.empty()) {
      std::cout << "  one of";
      for (const auto& c : p.choices) std::cout << " " << c;
    }
    std::cout << "\n      " << p.help << "\n";
  }
}

}  // namespace

void register_steps(CLI::App& app, CommandList& out) {
  struct Args {
    std::string step;
    bool json = false;
    bool gpu_module = false;
  };
  auto a = std::make_shared<Args>();
  auto* sub = app.add_subcommand("steps", "List every pipeline step with its parameters");
  sub->add_option("step", a->step, "Show only this step");
  sub->add_flag("--json", a->json, "Print the declarations as JSON");
  sub->add_flag("--gpu-module", a->gpu_module,
                "Only the GPU module: whether it loaded (path, or why not) and its steps; with --json an object "
                "{loaded, path, reason, steps}");
  out.push_back({sub, [a]() {
                   const auto& registry = full_registry();
                   if (a->gpu_module) {
                     const auto status = app::gpu_module_load_status();
                     std::vector<const pipeline::Step*> gpu_steps;
                     for (const auto* s : registry.steps())
                       if (s->info().origin == "gpu") gpu_steps.push_back(s);
                     if (a->json) {
                       nlohmann::json steps = nlohmann::json::array();
                       for (const auto* s : gpu_steps) steps.push_back(s->info().to_json());
                       print_json({{"loaded", status.loaded}, {"path", status.path}, {"reason", status.reason}, {"steps", steps}});
                     } else {
                       std::cout << gpu_module_status() << "\n";
                       for (const auto* s : gpu_steps) {
                         std::cout << "\n";
                         print_step(*s, true);
                       }
                     }
                     return 0;
                   }
                   if (!a->step.empty()) {
                     const auto& s = registry.get(a->step);
                     if (a->json)
                       print_json(s.info().to_json());
                     else
                       print_step(s, true);
                     return 0;
                   }
                   if (a->json) {
                     print_json(registry.to_json());
                     return 0;
                   }
                   for (const auto* s : registry.steps()) {
                     print_step(*s, true);
                     std::cout << "\n";
                   }
                   std::cout << gpu_module_status() << "\n";
                   return 0;
                 }});
}

}  // namespace ebsd::cli
