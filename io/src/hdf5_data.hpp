#pragma once
// Private to io/: typed, checked access to HDF5 groups, attributes and datasets. Every reader
// here verifies the stored type class, width, signedness and element count before it allocates
// or reads, and reports a mismatch as ebsd::Error naming the object path and the expectation.
// Element types: float, double, std::int32_t, std::int64_t, std::uint8_t.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "hdf5_handle.hpp"

namespace ebsd::io::h5 {

// Longest string we agree to read: a damaged type header must not make us allocate gigabytes.
inline constexpr std::size_t kMaxStringBytes = std::size_t{256} << 20;

// "32-bit float", "8-bit unsigned integer", "string", "compound", ...
std::string describe_type(hid_t type);
// "(4, 3, 2)"
std::string describe_shape(std::span<const hsize_t> shape);

// --- objects; `path` is the object's full path, used in messages ---
bool has_link(hid_t loc, const std::string& name);
Handle create_group(const Session& s, hid_t loc, const std::string& name, const std::string& path);
Handle open_group(const Session& s, hid_t loc, const std::string& name, const std::string& path);
Handle open_dataset(const Session& s, hid_t loc, const std::string& name, const std::string& path);
// Number of links in a group and the name of the k-th (in name order).
hsize_t link_count(const Session& s, hid_t group, const std::string& path);
std::string link_name(const Session& s, hid_t group, hsize_t k, const std::string& path);

// --- attributes ---
bool has_attribute(hid_t obj, const std::string& name);
void write_string_attribute(const Session& s, hid_t obj, const std::string& name, const std::string& value,
                            const std::string& path);
template <class T>
void write_attribute(const Session& s, hid_t obj, const std::string& name, std::span<const T> values,
                     const std::string& path);
template <class T>
void write_scalar_attribute(const Session& s, hid_t obj, const std::string& name, T value, const std::string& path);

std::string read_string_attribute(const Session& s, hid_t obj, const std::string& name, const std::string& path);
// Exactly `count` elements of type T (a scalar attribute counts as one).
template <class T>
std::vector<T> read_attribute(const Session& s, hid_t obj, const std::string& name, std::size_t count,
                              const std::string& path);

// --- datasets ---
void write_string_dataset(const Session& s, hid_t loc, const std::string& name, const std::string& value,
                          const std::string& path);
std::string read_string_dataset(const Session& s, hid_t loc, const std::string& name, const std::string& path);

// A small 1-D dataset (possibly empty), stored contiguously.
template <class T>
void write_vector(const Session& s, hid_t loc, const std::string& name, std::span<const T> values,
                  const std::string& path);
// Throws when the stored type is not T, the rank is not 1 or there are more than max_count elements.
template <class T>
std::vector<T> read_vector(const Session& s, hid_t loc, const std::string& name, std::size_t max_count,
                           const std::string& path);

// An N-D dataset of element type T, chunked and (when compress) shuffled and deflated.
template <class T>
Handle create_chunked_dataset(const Session& s, hid_t loc, const std::string& name, std::span<const hsize_t> shape,
                              std::span<const hsize_t> chunk, bool compress, const std::string& path);
std::vector<hsize_t> dataset_shape(const Session& s, hid_t dataset, const std::string& path);
// Throws unless the dataset's stored element type is exactly T.
template <class T>
void require_type(const Session& s, hid_t dataset, const std::string& path);
// Writes or reads rows [first, first + count) of the leading dimension of a dataset of `shape`;
// `data` holds those rows contiguously (C order).
template <class T>
void write_rows(const Session& s, hid_t dataset, std::span<const hsize_t> shape, hsize_t first, hsize_t count,
                const T* data, const std::string& path);
template <class T>
void read_rows(const Session& s, hid_t dataset, std::span<const hsize_t> shape, hsize_t first, hsize_t count, T* data,
               const std::string& path);

// Opens s.file() read-only; throws ebsd::Error when it is absent, a folder or not HDF5.
Handle open_file_for_reading(const Session& s);

// --- numbers in foreign (vendor) files ---
// Vendor files disagree on element types (EDAX writes Phase as int8 or int32, Oxford as uint8;
// counts as int32 or uint32; steps as float or double) and on shapes (a single value as a
// scalar, (1) or (1, 1); a column as (n) or (n, 1)). These accept any integer class (and,
// unless integer_only, any float class) and let HDF5 convert to T: float, double or int64.
// Before anything is allocated they check that the dataset stores enough bytes for the count
// it claims, so a damaged shape (10^12 points over a few KB) is an error, not an allocation.

// Number of values in dataset `name`; throws when it is missing, not numeric or implausible.
std::uint64_t numeric_count(const Session& s, hid_t loc, const std::string& name, bool integer_only,
                            const std::string& path);
// All rows x columns values of `name` (shape (rows), (rows, 1), (rows, columns), or a scalar
// when rows x columns is 1), converted to T; throws on any other shape.
template <class T>
std::vector<T> read_numeric(const Session& s, hid_t loc, const std::string& name, std::uint64_t rows,
                            std::uint64_t columns, bool integer_only, const std::string& path);
// Exactly one value: read_number of any numeric type, read_integer of an integer type.
double read_number(const Session& s, hid_t loc, const std::string& name, const std::string& path);
std::int64_t read_integer(const Session& s, hid_t loc, const std::string& name, const std::string& path);
// One value of an integer attribute of any width and sign.
std::int64_t read_integer_attribute(const Session& s, hid_t obj, const std::string& name, const std::string& path);

}  // namespace ebsd::io::h5
