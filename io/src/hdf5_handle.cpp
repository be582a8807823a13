#include "hdf5_handle.hpp"

#include "ebsd/core/error.hpp"

namespace ebsd::io::h5 {

Handle& Handle::operator=(Handle&& o) noexcept {
  if (this != &o) {
    reset();
    id_ = o.id_;
    close_ = o.close_;
    o.id_ = H5I_INVALID_HID;
  }
  return *this;
}

bool Handle::close() {
  if (id_ < 0) return true;
  const herr_t status = close_ ? close_(id_) : 0;
  id_ = H5I_INVALID_HID;
  return status >= 0;
}

void Handle::reset() noexcept {
  if (id_ >= 0 && close_) close_(id_);
  id_ = H5I_INVALID_HID;
}

namespace {

std::recursive_mutex& library_mutex() {
  static std::recursive_mutex m;
  return m;
}

herr_t remember_description(unsigned, const H5E_error2_t* e, void* out) {
  // Walking downward, the last entry is the innermost, most specific one.
  if (e && e->desc && *e->desc) *static_cast<std::string*>(out) = e->desc;
  return 0;
}

}  // namespace

std::string innermost_error_message() {
  std::string message;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, remember_description, &message);
  return message;
}

Session::Session(std::string file) : file_(std::move(file)), lock_(library_mutex()) {
  H5Eget_auto2(H5E_DEFAULT, &saved_func_, &saved_data_);
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  H5Eclear2(H5E_DEFAULT);
}

Session::~Session() {
  H5Eclear2(H5E_DEFAULT);
  H5Eset_auto2(H5E_DEFAULT, saved_func_, saved_data_);
}

void Session::fail(const std::string& what, const std::string& place) const {
  const std::string detail = innermost_error_message();
  H5Eclear2(H5E_DEFAULT);
  throw Error(detail.empty() ? what : what + " (HDF5: " + detail + ")", file_, place);
}

hid_t Session::check(hid_t id, const std::string& what, const std::string& place) const {
  if (id < 0) fail(what, place);
  return id;
}

void Session::check_status(herr_t status, const std::string& what, const std::string& place) const {
  if (status < 0) fail(what, place);
}

void Session::clear_errors() const { H5Eclear2(H5E_DEFAULT); }

}  // namespace ebsd::io::h5
