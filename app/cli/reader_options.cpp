#include "reader_options.hpp"

namespace ebsd::cli {

void add_reader_options(CLI::App* sub, ReaderArgs& args) {
  sub->add_option("--scan", args.scan,
                  "HDF5 files holding several scans (EDAX .h5, .h5oina): the scan or slice group to read (default: the first; "
                  "`ebsd info` lists them)");
  sub->add_option("--hex-alignment", args.hex_alignment,
                  "Oxford data (.ctf, HKL H5EBSD, .h5oina), hexagonal and trigonal phases: 'as-written' keeps HKL's axes "
                  "(crystal X along a), 'tsl' turns them to TSL's (X along a*, phi2 + 30 deg, recorded in the import report)")
      ->check(CLI::IsMember({"as-written", "tsl"}));
}

io::ReadOptions to_read_options(const ReaderArgs& args) {
  io::ReadOptions o;
  o.scan = args.scan;
  o.hexagonal_to_tsl_alignment = args.hex_alignment == "tsl";
  return o;
}

}  // namespace ebsd::cli
