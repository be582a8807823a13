#pragma once
// Private to io/: ownership of HDF5 identifiers and the translation of HDF5 failures into
// ebsd::Error. HDF5's C API reports failure by a negative return value and, unless told
// otherwise, prints its whole error stack to stderr; readers here silence that printing,
// check every return value and throw one ebsd::Error that names the file, the object and what
// was expected, with HDF5's innermost message appended as the detail.
#include <hdf5.h>

#include <mutex>
#include <string>

namespace ebsd::io::h5 {

// Owns one hid_t and closes it with the matching H5?close on destruction. Move-only.
class Handle {
public:
  using Closer = herr_t (*)(hid_t);

  Handle() = default;
  Handle(hid_t id, Closer close) : id_(id), close_(close) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& o) noexcept : id_(o.id_), close_(o.close_) { o.id_ = H5I_INVALID_HID; }
  Handle& operator=(Handle&& o) noexcept;
  ~Handle() { reset(); }

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  // Closes now and reports whether HDF5 succeeded; a file's close flushes its data, so the
  // writer must see this result rather than rely on the destructor, which ignores it.
  bool close();

private:
  void reset() noexcept;
  hid_t id_ = H5I_INVALID_HID;
  Closer close_ = nullptr;
};

// For the whole life of one read or write: serialises HDF5 calls (the serial library is not
// thread-safe in every build, and the GUI reads on worker threads) and turns off HDF5's
// automatic error printing on this thread, restoring both afterwards.
class Session {
public:
  explicit Session(std::string file);
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;
  ~Session();

  const std::string& file() const { return file_; }

  // Throws ebsd::Error(what + HDF5's innermost message, file, place); clears the error stack.
  [[noreturn]] void fail(const std::string& what, const std::string& place) const;
  // Return `id` when it is valid, otherwise fail(what, place).
  hid_t check(hid_t id, const std::string& what, const std::string& place) const;
  void check_status(herr_t status, const std::string& what, const std::string& place) const;
  // Forgets this thread's HDF5 error stack, after a failure the caller handles itself.
  void clear_errors() const;

private:
  std::string file_;
  std::unique_lock<std::recursive_mutex> lock_;
  H5E_auto2_t saved_func_ = nullptr;
  void* saved_data_ = nullptr;
};

// The description of the innermost entry of this thread's HDF5 error stack ("" when empty),
// e.g. "truncated file: eof = 2048, sblock->base_addr = 0, stored_eof = 9344".
std::string innermost_error_message();

}  // namespace ebsd::io::h5
