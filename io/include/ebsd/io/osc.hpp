#pragma once
// EDAX/TSL OIM binary .osc files (FORMATS.md F.5): the content of an .ang file (Bunge Euler
// angles in radians, x/y in um, IQ, CI, phase [, SEM signal, fit, further columns]) as
// little-endian float32 columns after a binary header. EDAX does not document the format; the
// layout below is the one the public reverse-engineered readers agree on (MTEX
// interfaces/loadEBSD_osc.m, after Pilchak and Shiveley's AnyStitch, J. Microsc. 244 (2011)).
//
//   offset 16  uint32  columns in x minus 1        offset 20  uint32  rows minus 1
//   offset 24  uint32  number of points n
//   marker B9 0B EF FF 01 00 00 00 (phase block), at +16 from it int32 phase count, then per
//     phase a record: name (256 bytes, NUL terminated), int32 TSL symmetry code, 6 float32
//     lattice constants (a b c in angstrom, alpha beta gamma in degrees), int32 number of
//     hkl families, then variable-length data (families, formula) this reader skips: the next
//     record is the next offset where a name, a known symmetry code and a plausible lattice
//     line up.
//   marker B9 0B EF FF 02 00 00 00 (point data). Newer files follow it with a uint32 byte
//     count 4 * (n * columns + 2); then (possibly after one zero word) float32 x step and
//     y step, then n rows of float32 columns, x fastest. Older files have no count: the column
//     count is the one where the second row lies at (x step, 0), as MTEX finds it.
#include <filesystem>

#include "ebsd/io/import_report.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd::io {

struct OscReadResult {
  Volume volume;  // nz = 1; channels "sem_signal", "fit" (deg) and "column_N" for further columns
  ImportReport report;
};

// Rows are placed on the grid by their x/y (as read_ang does); a hexagonal scan (y step =
// x step * sqrt(3)/2) is resampled onto a square grid and the report says so. Unindexed points
// (CI -1 or Euler angles 4 pi) are invalid; phase 0 in a one-phase file means phase 1.
// Every offset, count and size is checked against the file size before use: a broken file
// throws ebsd::Error naming the file, the byte offset or field, and what was expected.
OscReadResult read_osc(const std::filesystem::path& path);

// True when the file holds the phase-block marker followed by the point-data marker.
bool looks_like_osc(const std::filesystem::path& path);

}  // namespace ebsd::io
