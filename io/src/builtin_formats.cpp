// The formats built into io, in sniffing order: binary formats with magic bytes first, then
// text formats recognised by their header keys.
#include "ebsd/io/ang.hpp"
#include "ebsd/io/ctf.hpp"
#include "ebsd/io/dream3d.hpp"
#include "ebsd/io/edax_h5.hpp"
#include "ebsd/io/h5ebsd.hpp"
#include "ebsd/io/h5oina.hpp"
#include "ebsd/io/format_registry.hpp"
#include "ebsd/io/native_file.hpp"
#include "ebsd/io/osc.hpp"
#include "ebsd/io/vti.hpp"

namespace ebsd::io {

void register_builtin_formats(FormatRegistry& r) {
  r.add({"ebsd.h5", "EBSD Studio project (HDF5)", {".ebsd.h5"}, looks_like_native,
         [](const std::filesystem::path& p, const ReadOptions&, Progress& progress) {
           ReadResult res{read_native(p, progress), {}};
           res.report.format = "ebsd.h5";
           return res;
         },
         [](const std::filesystem::path& p, const Volume& v, Progress& progress) { write_native(p, v, progress); },
         {}});
  r.add({"dream3d", "DREAM.3D file (HDF5, versions 7.0 and 8.0; writes 8.0 with an .xdmf sidecar)", {".dream3d"},
         looks_like_dream3d,
         [](const std::filesystem::path& p, const ReadOptions&, Progress& progress) {
           auto d = read_dream3d(p, progress);
           return ReadResult{std::move(d.volume), std::move(d.report)};
         },
         [](const std::filesystem::path& p, const Volume& v, Progress& progress) { write_dream3d(p, v, progress); },
         {}});
  r.add({"h5ebsd", "DREAM.3D H5EBSD stack (TSL or HKL slices)", {".h5ebsd"}, looks_like_h5ebsd,
         [](const std::filesystem::path& p, const ReadOptions& o, Progress& progress) {
           return read_h5ebsd(p, {.hexagonal_to_tsl_alignment = o.hexagonal_to_tsl_alignment}, progress);
         },
         {}, {kReadOptionHexagonalAlignment}});
  r.add({"h5oina", "Oxford Instruments AZtec HDF5", {".h5oina"}, looks_like_h5oina,
         [](const std::filesystem::path& p, const ReadOptions& o, Progress& progress) {
           return read_h5oina(p, {.slice = o.scan, .hexagonal_to_tsl_alignment = o.hexagonal_to_tsl_alignment}, progress);
         },
         {}, {kReadOptionScan, kReadOptionHexagonalAlignment}});
  r.add({"edax-h5", "EDAX OIM Analysis HDF5", {".h5", ".oh5"}, looks_like_edax_h5,
         [](const std::filesystem::path& p, const ReadOptions& o, Progress& progress) {
           EdaxH5ReadOptions options;
           options.scan_name = o.scan;
           return read_edax_h5(p, options, progress);
         },
         {}, {kReadOptionScan}});
  r.add({"osc", "EDAX/TSL OIM binary scan (layout reverse-engineered; see osc.hpp)", {".osc"}, looks_like_osc,
         [](const std::filesystem::path& p, const ReadOptions&, Progress&) {
           auto o = read_osc(p);
           return ReadResult{std::move(o.volume), std::move(o.report)};
         },
         {}, {}});
  r.add({"ctf", "Oxford HKL channel text file", {".ctf"}, looks_like_ctf,
         [](const std::filesystem::path& p, const ReadOptions& o, Progress&) {
           auto c = read_ctf(p, {.hexagonal_to_tsl_alignment = o.hexagonal_to_tsl_alignment});
           return ReadResult{std::move(c.volume), std::move(c.report)};
         },
         [](const std::filesystem::path& p, const Volume& v, Progress&) { write_ctf_slices(p, v); },
         {kReadOptionHexagonalAlignment}});
  r.add({"ang", "TSL/EDAX OIM text file", {".ang"}, looks_like_ang,
         [](const std::filesystem::path& p, const ReadOptions&, Progress&) {
           auto a = read_ang(p);
           return ReadResult{std::move(a.volume), std::move(a.report)};
         },
         [](const std::filesystem::path& p, const Volume& v, Progress&) { write_ang_slices(p, v); },
         {}});
  r.add({"vti", "VTK XML image data (ParaView export)", {".vti"}, [](const std::filesystem::path&) { return false; }, {},
         [](const std::filesystem::path& p, const Volume& v, Progress&) { write_vti(p, v); },
         {}});
}

}  // namespace ebsd::io
