// `ebsd run PIPELINE.json [--set STEP.PARAM=VALUE]... [--dry-run] [--json] [--progress-json]`: resolves and
// preflights the whole pipeline before any step runs, then executes it with progress. Exit
// codes: 0 done, 1 a step failed, 2 the pipeline file is invalid, 130 interrupted.
#include <cstdio>
#include <iostream>

#include "cli_registry.hpp"
#include "cli_support.hpp"
#include "commands.hpp"
#include "ebsd/pipeline/runner.hpp"

namespace ebsd::cli {

void register_run(CLI::App& app, CommandList& out) {
  struct Args {
    std::string file;
    std::vector<std::string> sets;
    bool dry_run = false;
    bool json = false;
    bool progress_json = false;
  };
  auto a = std::make_shared<Args>();
  auto* sub = app.add_subcommand("run", "Run a pipeline file (JSON): preflight every step, then execute");
  sub->add_option("pipeline", a->file, "Pipeline file (.json)")->required();
  sub->add_option("--set", a->sets, "Override a parameter: STEP.PARAM=VALUE (STEP: label, 1-based position or id)");
  sub->add_flag("--dry-run", a->dry_run, "Only resolve and preflight; run nothing");
  sub->add_flag("--json", a->json, "Print each step's report as JSON");
  sub->add_flag("--progress-json", a->progress_json,
                "Progress as one JSON object per line on stderr: {\"progress\": 0.42, \"message\": \"...\"} (for programs)");
  out.push_back({sub, [a]() {
                   auto p = pipeline::load_pipeline(a->file);
                   for (const auto& s : a->sets) pipeline::apply_override(p, s);
                   const auto& registry = full_registry();
                   const auto steps = pipeline::resolve_pipeline(p, registry);
                   pipeline::preflight_pipeline(steps);

                   // The resolved pipeline (every parameter, defaults included) is what output
                   // files record as provenance.
                   pipeline::Pipeline resolved = p;
                   for (std::size_t i = 0; i < steps.size(); ++i) resolved.steps[i].params = steps[i].params.json();
                   if (a->dry_run) {
                     if (a->json) {
                       print_json({{"pipeline", resolved.to_json()}, {"preflight", "ok"}});
                     } else {
                       for (const auto& s : steps) std::cout << s.display_name() << ": " << s.params.json().dump() << "\n";
                       std::cout << "preflight passed: " << steps.size() << " steps; nothing was run (--dry-run)\n";
                     }
                     return 0;
                   }

                   pipeline::Workspace ws;
                   ws.pipeline = resolved.to_json();
                   const bool json = a->json;
                   ws.log = [json](const std::string& line) { (json ? std::cerr : std::cout) << line << "\n"; };
                   auto progress = a->progress_json ? make_json_progress() : make_progress("run");
                   pipeline::RunCallbacks callbacks;
                   callbacks.on_step_start = [json](const pipeline::ResolvedStep& s) {
                     if (!json) std::cout << "== " << s.display_name() << "\n" << std::flush;
                   };
                   const auto results = pipeline::execute_pipeline(steps, ws, progress, callbacks);
                   if (a->json) {
                     nlohmann::json r = nlohmann::json::array();
                     for (const auto& s : results)
                       r.push_back({{"step", s.step}, {"label", s.label}, {"parameters", s.parameters}, {"report", s.report},
                                    {"seconds", s.seconds}});
                     print_json({{"pipeline", a->file}, {"steps", r}});
                   } else {
                     double total = 0;
                     for (const auto& s : results) total += s.seconds;
                     std::printf("pipeline done: %zu steps in %.2f s\n", results.size(), total);
                   }
                   return 0;
                 }});
}

}  // namespace ebsd::cli
