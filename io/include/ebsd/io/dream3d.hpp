#pragma once
// DREAM.3D `.dream3d` files (HDF5; FORMATS.md F.4), file versions 7.0 (SIMPL, DREAM.3D 6) and
// 8.0 (simplnx / DREAM3D-NX), read; version 8.0 written, with a sidecar `.xdmf` so ParaView
// opens the volume.
//
// Reading. The first image geometry whose cell data holds EulerAngles or Quats is the volume
// (version 7: /DataContainers/<DC>/_SIMPL_GEOMETRY; version 8: /DataStructure/<ImageGeom>).
//   EulerAngles  float (z, y, x, 3), Bunge, radians      -> orientations (Rowenhorst, P = +1)
//   Quats        float (z, y, x, 4), order x y z w        -> orientations, exact, when they
//                agree with EulerAngles (otherwise EulerAngles win and a warning says so)
//   Phases       integer (z, y, x, 1); 0 = not indexed    -> phase ids
//   Confidence Index, Image Quality (any number type)     -> CI, IQ (0 when absent)
//   Mask (or GoodVoxels) bool/uint8                        -> valid mask
//   FeatureIds   integer (z, y, x, 1)                      -> grain ids
//   every other numeric one-component cell array           -> a channel of the same name
//   CellEnsemble CrystalStructures (DREAM.3D enum, entry 0 a dummy), LatticeConstants (x6),
//                MaterialName                              -> phases 1..n-1
// In files EBSD Studio did not write, a voxel with CI < 0 or the TSL Euler marker 4 pi is not
// indexed (phase 0, invalid), and without a Mask a voxel is valid when its phase is > 0, as the
// .ang reader decides. Lengths are taken as micrometres: DREAM.3D stores no unit.
//
// Writing (version 8.0 layout, as simplnx's DataStructureWriter lays it out):
//   /                       attribute FileVersion = "8.0"
//   /Pipeline               group, attributes "Pipeline Version" = 3 (int32), "Current Pipeline";
//   /Pipeline/Pipeline      string: a simplnx pipeline JSON {name, pipeline: [], version, ...}
//                           whose "ebsd_studio" member holds what DREAM.3D has no place for:
//                           provenance, length unit, exact (double) spacing, origin and lattice,
//                           Laue groups, channel names/units/descriptions, missing and damaged
//                           slices
//   /DataStructure          attribute NextObjectId (uint64)
//     /DataContainer        ImageGeom: _DIMENSIONS (uint64 x y z), _ORIGIN, _SPACING (float32),
//                           "Cell Data ID"
//       /Cell Data          AttributeMatrix, TupleDims (uint64 z y x), arrays (z, y, x, c):
//                           EulerAngles float32 x3 (rad), Quats float32 x4 (x y z w), Phases int32,
//                           Confidence Index, Image Quality float32, Mask bool (uint8),
//                           FeatureIds int32 (when segmented), one float32 array per channel
//       /Cell Ensemble Data AttributeMatrix (n + 1): CrystalStructures uint32, LatticeConstants
//                           float32 x6, MaterialName StringArray; entry 0 "Invalid Phase", 999
// Every object has ObjectType, ObjectId (uint64) and Importable (int32) attributes; every data
// array TupleDimensions and ComponentDimensions (uint64). The sidecar `<stem>.xdmf` (XDMF 2.2,
// as simplnx writes it) describes a 3DCoRectMesh with the cell arrays of 1, 3 or 9 components.
//
// Round trip: read_dream3d(write_dream3d(v)) == v (operator==) for every Volume: quaternions
// come back bit-for-bit from Quats; every float64 DREAM.3D stores as float32 comes back from
// the "ebsd_studio" JSON, used only where it agrees with the HDF5 values.
#include <filesystem>

#include "ebsd/core/progress.hpp"
#include "ebsd/io/import_report.hpp"
#include "ebsd/volume/volume.hpp"

namespace ebsd::io {

struct Dream3dReadResult {
  Volume volume;
  ImportReport report;  // format "dream3d"; header: file_version, geometry, cell_data, ...
};

// Throws ebsd::Error naming the file and the HDF5 object (dataset or attribute) and what was
// expected, or ebsd::Cancelled.
Dream3dReadResult read_dream3d(const std::filesystem::path& path, Progress& progress = Progress::none());

// Writes `path` (version 8.0) and xdmf_sidecar_path(path), each atomically. Throws ebsd::Error
// (including for a volume without voxels) or ebsd::Cancelled; a failure leaves both previous
// files untouched or, when only the sidecar fails, a new .dream3d and the old sidecar.
void write_dream3d(const std::filesystem::path& path, const Volume& volume, Progress& progress = Progress::none());

// `path` with its extension replaced by ".xdmf".
std::filesystem::path xdmf_sidecar_path(const std::filesystem::path& path);

// Content sniffing for the format registry: an HDF5 file whose root attribute FileVersion is
// "7.0" or "8.0" and that has /DataContainers or /DataStructure. Never throws.
bool looks_like_dream3d(const std::filesystem::path& path);

}  // namespace ebsd::io
