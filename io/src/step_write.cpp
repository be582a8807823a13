// Step "write": the volume to any writable format, chosen by the extension; atomic (written
// aside, then renamed), so an interrupted pipeline never leaves a half-written file.
#include <memory>

#include "ebsd/io/format_registry.hpp"
#include "ebsd/io/volume_file.hpp"
#include "ebsd/pipeline/step_registry.hpp"

namespace ebsd::io {

using namespace pipeline;

namespace {

std::string writable_extensions() {
  std::string known;
  for (const auto& f : FormatRegistry::instance().formats())
    if (f.write)
      for (const auto& e : f.extensions) known += (known.empty() ? "" : ", ") + e;
  return known;
}

}  // namespace

void check_output_folder(const std::filesystem::path& path) {
  const auto folder = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  if (!std::filesystem::is_directory(folder)) throw Error("the output folder does not exist", path.string());
}

std::unique_ptr<Step> make_write_step() {
  StepInfo info;
  info.id = "write";
  info.title = "Write volume";
  info.category = "Input/Output";
  info.description =
      "Writes the volume in the format of the file's extension (.ebsd.h5, .dream3d with .xdmf, .ang, .ctf, .vti). "
      "The file is written aside and renamed, so an existing file survives a failure; the pipeline is recorded in "
      "the file's provenance.";
  info.writes_files = true;
  info.parameters = {ParameterSpec{"path", ParamType::OutputPath, nullptr, {}, {}, {}, "", "Output file", {}}};
  return std::make_unique<FunctionStep>(
      std::move(info),
      [](const ParameterValues& p, DataShape&) {
        const std::filesystem::path path = p.get_string("path");
        if (!FormatRegistry::instance().for_writing(path))
          throw Error("cannot tell the output format from the extension (writable: " + writable_extensions() + ")",
                      path.string());
        check_output_folder(path);
      },
      [](const ParameterValues& p, Workspace& ws, Progress& progress) {
        const std::filesystem::path path = p.get_string("path");
        write_volume(path, ws.require_volume("write"), progress);
        ws.report = {{"path", path.string()}, {"format", FormatRegistry::instance().for_writing(path)->name}};
        ws.say("wrote " + path.string());
      });
}

}  // namespace ebsd::io
