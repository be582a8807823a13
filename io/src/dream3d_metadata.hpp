#pragma once
// Private to io/: what EBSD Studio keeps in a .dream3d file beyond DREAM.3D's own arrays. The
// /Pipeline/Pipeline dataset must stay a pipeline simplnx can parse (it requires "name" and
// "pipeline"; Pipeline::FromJson ignores other members), so our data rides in one extra
// member, "ebsd_studio": the provenance, and every value DREAM.3D stores with less precision
// or not at all (length unit, float64 spacing/origin/lattice, Laue group, channel names,
// units and descriptions, missing and damaged slices).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ebsd/volume/volume.hpp"

namespace ebsd::io::d3d {

inline constexpr int kStudioMetadataVersion = 1;

struct ChannelNote {
  std::string dataset;  // the array's name in the cell attribute matrix
  std::string name, unit, description;
};

struct StudioMetadata {
  std::string length_unit;
  std::array<double, 3> spacing{}, origin{};
  std::vector<Phase> phases;
  std::vector<ChannelNote> channels;
  std::vector<std::int64_t> missing_slices, damaged_slices;
  std::vector<ProvenanceRecord> provenance;
};

// The metadata of `v`, with `channels` naming the dataset of each channel.
StudioMetadata metadata_of(const Volume& v, std::vector<ChannelNote> channels);

// The whole /Pipeline/Pipeline text: an empty simplnx pipeline carrying `m`.
std::string pipeline_text(const StudioMetadata& m);

// The metadata in a pipeline text, or nullopt when the text is not JSON or has no
// "ebsd_studio" member (files EBSD Studio did not write). Throws ebsd::Error(file, place) when
// the member is there but malformed.
std::optional<StudioMetadata> metadata_from_pipeline(const std::string& text, const std::string& file,
                                                     const std::string& place);

}  // namespace ebsd::io::d3d
