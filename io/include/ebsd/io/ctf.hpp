#pragma once
// Oxford HKL .ctf text files (FORMATS.md F.2): tab separated, Euler angles in degrees (2D),
// Laue group numbers 1..11, decimal commas in European-locale exports, optional Z for 3D.
#include <cstdint>
#include <filesystem>
#include <vector>

#include "ebsd/io/import_report.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd::io {

struct CtfReadOptions {
  // HKL software puts the crystal X axis along a for hexagonal and trigonal phases, TSL along
  // a* (30 deg apart about c; DREAM.3D's "EDAX hexagonal alignment" adds 30 deg to phi2).
  // false (default): angles are kept as written and the report says so; true: phi2 += 30 deg
  // for hexagonal and trigonal phases, as DREAM.3D does, and the report records it.
  bool hexagonal_to_tsl_alignment = false;
};

struct CtfReadResult {
  Volume volume;  // channels "mad" (deg), "bands", "error", "bs" and any further columns
  ImportReport report;
};

// Oxford systems record no confidence index: the volume's CI is 1 for indexed points (phase > 0
// and Error == 0) and 0 otherwise; band contrast (BC) is the image quality.
CtfReadResult read_ctf(const std::filesystem::path& path, const CtfReadOptions& options = {});

// True when the file starts with "Channel Text File".
bool looks_like_ctf(const std::filesystem::path& path);

// Writes slice z of the volume as an Oxford .ctf file, atomically: tab separated, Euler angles
// in degrees, phases with their Laue group numbers, then Phase X Y Bands Error Euler1 Euler2
// Euler3 MAD BC BS (Bands, Error, MAD, BS from the channels of those names when present, else
// 0; Error 3 marks points not indexed; BC is the volume's image quality).
// A volume read from a .ctf file is written with that file's columns, digits and decimal
// separator (recorded by read_ctf), which gives back every value of the file.
// Hexagonal angles are written as they are held (the HKL convention unless the reader was
// asked for the TSL alignment). Throws ebsd::Error.
void write_ctf(const std::filesystem::path& path, const Volume& volume, std::int64_t z = 0);

// A 2D volume: write_ctf(path). A 3D volume: one file per slice, <stem>_<z>.ctf (z from 0,
// zero-padded). Returns the files written, in slice order.
std::vector<std::filesystem::path> write_ctf_slices(const std::filesystem::path& path, const Volume& volume);

}  // namespace ebsd::io
