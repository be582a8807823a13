#include "plugin_step.hpp"

namespace ebsd::plugins {
namespace {

class PluginStep final : public pipeline::Step {
public:
  PluginStep(DeclaredStep declared, PluginIdentity plugin) : d_(std::move(declared)), plugin_(std::move(plugin)) {}

  const pipeline::StepInfo& info() const override { return d_.info; }

  void preflight(const pipeline::ParameterValues& params, pipeline::DataShape& shape) const override {
    if (!d_.preflight) return;
    ebsd_context ctx;  // no progress, no volume: preflight touches no data
    ebsd_params p{&params};
    ebsd_shape s{&shape};
    const ebsd_status status = guarded_call(ctx, [&] { return d_.preflight(d_.user, &p, &s, &ctx); });
    throw_on_failure(status, ctx, plugin_, what());
  }

  void execute(const pipeline::ParameterValues& params, pipeline::Workspace& ws, Progress& progress) const override {
    const bool source = d_.info.input == pipeline::StepInput::None;
    ebsd_context ctx;
    ctx.progress = &progress;
    ctx.may_create_volume = source;
    ctx.log = [&ws](const std::string& line) { ws.say(line); };
    ebsd_params p{&params};
    ebsd_volume current{source ? nullptr : &ws.require_volume(d_.info.id), &ctx};
    const ebsd_status status =
        guarded_call(ctx, [&] { return d_.execute(d_.user, &p, source ? nullptr : &current, &ctx); });
    throw_on_failure(status, ctx, plugin_, what());
    if (source && !d_.info.writes_files) {
      if (!ctx.created) throw Error("returned without creating a volume (host->create_volume)", "", "plugin '" + plugin_.name + "', " + what());
      ws.volume = std::move(*ctx.created);
    }
    for (const auto& w : ctx.warnings) {
      ws.say("warning: " + w);
      ctx.report["warnings"].push_back(w);
    }
    if (!ctx.report.empty()) ws.report = std::move(ctx.report);
  }

private:
  std::string what() const { return "step '" + d_.info.id + "'"; }

  DeclaredStep d_;
  PluginIdentity plugin_;
};

}  // namespace

std::unique_ptr<pipeline::Step> make_plugin_step(const DeclaredStep& declared, const PluginIdentity& plugin) {
  return std::make_unique<PluginStep>(declared, plugin);
}

}  // namespace ebsd::plugins
