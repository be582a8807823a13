#pragma once
// Private to io/: the HDF5 pieces DREAM.3D files need beyond hdf5_data.hpp. DREAM.3D stores
// element types our native format never uses (uint32 CrystalStructures, uint64 shape and id
// attributes, variable-length string lists) and writes its own files' attributes as ASCII
// strings; readers here accept any numeric width and sign and let HDF5 convert, and check
// every count before allocating (FORMATS.md F.4).
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "hdf5_data.hpp"
#include "hdf5_handle.hpp"

namespace ebsd::io::d3d {

using h5::Handle;
using h5::Session;

// Element types a DREAM.3D writer stores, with the little-endian file type and the memory type.
enum class Element { Float32, Int32, UInt8, UInt32, UInt64 };
hid_t file_type(Element e);
hid_t memory_type(Element e);

// --- attributes ---
// A string attribute as DREAM.3D writes them: fixed length, NUL-terminated, ASCII unless the
// text holds bytes above 0x7F (then UTF-8).
void write_text_attribute(const Session& s, hid_t obj, const std::string& name, const std::string& value,
                          const std::string& path);
// A 1-D attribute of `count` elements read from `data` (memory layout of `e`); count 0 writes a scalar.
void write_numeric_attribute(const Session& s, hid_t obj, const std::string& name, Element e, const void* data,
                             std::size_t count, const std::string& path);
void write_u64_attribute(const Session& s, hid_t obj, const std::string& name, std::span<const std::uint64_t> values,
                         const std::string& path);
void write_u64_scalar_attribute(const Session& s, hid_t obj, const std::string& name, std::uint64_t value,
                                const std::string& path);
void write_i32_scalar_attribute(const Session& s, hid_t obj, const std::string& name, std::int32_t value,
                                const std::string& path);
// Any integer or float attribute of 1..max_count values (a scalar counts as one), as doubles.
std::vector<double> read_number_attribute(const Session& s, hid_t obj, const std::string& name, std::size_t max_count,
                                          const std::string& path);
// The string value of attribute `name`, or "" when it is absent or not a single string.
std::string text_attribute_or_empty(const Session& s, hid_t obj, const std::string& name);

// --- datasets ---
// A contiguous dataset of `shape` (C order) written from `data` in one call.
void write_array(const Session& s, hid_t loc, const std::string& name, Element e, std::span<const hsize_t> shape,
                 const void* data, const std::string& path);
// A chunked, shuffled and deflated dataset of `shape`, created empty: the caller writes rows.
Handle create_compressed_array(const Session& s, hid_t loc, const std::string& name, Element e,
                               std::span<const hsize_t> shape, std::span<const hsize_t> chunk, const std::string& path);
// A scalar fixed-length string dataset (the DREAM.3D Pipeline JSON).
void write_text_dataset(const Session& s, hid_t loc, const std::string& name, const std::string& value,
                        const std::string& path);
// A 1-D list of variable-length strings (DREAM.3D StringArray, e.g. MaterialName).
void write_string_list(const Session& s, hid_t loc, const std::string& name, const std::vector<std::string>& values,
                       const std::string& path);
// A string list of exactly `count` entries: 1-D (or (count, 1)), fixed or variable length.
std::vector<std::string> read_string_list(const Session& s, hid_t loc, const std::string& name, std::size_t count,
                                          const std::string& path);

// --- objects ---
enum class LinkKind { Group, Dataset, Other };
// Children of a group in name order, with what each is (soft links that dangle read as Other).
struct Child {
  std::string name;
  LinkKind kind;
};
std::vector<Child> children(const Session& s, hid_t group, const std::string& path);

}  // namespace ebsd::io::d3d
