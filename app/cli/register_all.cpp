#include "commands.hpp"

namespace ebsd::cli {

void register_info(CLI::App& app, CommandList& out);
void register_synth(CLI::App& app, CommandList& out);
void register_segment(CLI::App& app, CommandList& out);
void register_orient(CLI::App& app, CommandList& out);
void register_convert(CLI::App& app, CommandList& out);
void register_align(CLI::App& app, CommandList& out);
void register_export_png(CLI::App& app, CommandList& out);
void register_run(CLI::App& app, CommandList& out);
void register_steps(CLI::App& app, CommandList& out);
void register_denoise(CLI::App& app, CommandList& out);
void register_bench(CLI::App& app, CommandList& out);
void register_recover(CLI::App& app, CommandList& out);
void register_inpaint(CLI::App& app, CommandList& out);
void register_eval(CLI::App& app, CommandList& out);
void register_train(CLI::App& app, CommandList& out);
void register_llm(CLI::App& app, CommandList& out);
#ifdef EBSD_HAVE_PLUGINS
void register_plugins_command(CLI::App& app, CommandList& out);
#endif

void register_all(CLI::App& app, CommandList& out) {
  register_info(app, out);
  register_synth(app, out);
  register_segment(app, out);
  register_orient(app, out);
  register_convert(app, out);
  register_align(app, out);
  register_export_png(app, out);
  register_run(app, out);
  register_steps(app, out);
  register_denoise(app, out);
  register_bench(app, out);
  register_recover(app, out);
  register_inpaint(app, out);
  register_eval(app, out);
  register_train(app, out);
  register_llm(app, out);
#ifdef EBSD_HAVE_PLUGINS
  register_plugins_command(app, out);
#endif
}

}  // namespace ebsd::cli
