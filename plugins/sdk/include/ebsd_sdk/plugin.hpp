// EBSD Studio plugin SDK, C++ layer (optional, header-only, C++20) over the C ABI of
// ebsd_plugin.h. Plugin authors write lambdas, std::string and exceptions; this header turns
// them into C callbacks and status codes. Every exception is caught inside the plugin and
// becomes EBSD_ERROR with its message (or EBSD_CANCELLED), so a throwing plugin never
// unwinds through the host. docs/plugins.md has a complete example; in short:
//
//   #include <ebsd_sdk/plugin.hpp>
//   namespace sdk = ebsd::sdk;
//   void register_steps(sdk::Registrar& r) {
//     r.info("my-plugin", "1.0.0", "what it adds");
//     sdk::StepDefinition s{.id = "invert-ci", .title = "Invert CI", .category = "Analysis"};
//     s.execute = [](const sdk::Params&, sdk::Volume& v, sdk::Context&) { ... };
//     r.add_step(std::move(s));
//   }
//   EBSD_PLUGIN(register_steps)
#pragma once

#if !defined(__cplusplus) || __cplusplus < 202002L
#error "ebsd_sdk/plugin.hpp needs C++20; C plugins include ebsd_sdk/ebsd_plugin.h only"
#endif

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <list>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "ebsd_sdk/ebsd_plugin.h"

namespace ebsd::sdk {

// ---- errors ------------------------------------------------------------------------------------

// Thrown by plugin code: becomes EBSD_ERROR with what() as the message the user sees.
class Error : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

// Thrown by Context::check_cancelled(): becomes EBSD_CANCELLED.
struct Cancelled {};

namespace detail {
// The host already set the context's error message (a host function returned NULL or an
// error status); only the status must still be returned.
struct HostError {};

inline const ebsd_host_api*& host_pointer() {
  static const ebsd_host_api* host = nullptr;
  return host;
}
}  // namespace detail

// The host's function table; valid from registration on.
inline const ebsd_host_api& host() {
  const ebsd_host_api* h = detail::host_pointer();
  if (!h) throw Error("the EBSD host table is not set (called before ebsd_plugin_register?)");
  return *h;
}

// ---- small value types -------------------------------------------------------------------------

// Orientation or rotation: unit quaternion, scalar first, the host's conventions.
struct Quat {
  double w = 1.0, x = 0.0, y = 0.0, z = 0.0;
};
using Vec3 = std::array<double, 3>;
using Dims = std::array<std::int64_t, 3>;

struct Phase {
  std::string name = "Unknown";
  int laue = EBSD_LAUE_CUBIC_HIGH;  // EBSD_LAUE_*
  std::array<double, 6> lattice{1.0, 1.0, 1.0, 90.0, 90.0, 90.0};
};

// ---- host maths ---------------------------------------------------------------------------------

// Disorientation angle in radians over the Laue group's symmetry (float quaternions as stored).
inline double disorientation_angle(const float* a, const float* b, int laue) {
  return host().disorientation_angle(a, b, laue);
}
inline std::vector<Quat> symmetry_operators(int laue) {
  std::vector<Quat> ops(host().symmetry_operator_count(laue));
  for (std::uint32_t k = 0; k < ops.size(); ++k) {
    double q[4];
    host().symmetry_operator(laue, k, q);
    ops[k] = {q[0], q[1], q[2], q[3]};
  }
  return ops;
}
// Coordinates of v after the passive rotation q (sample -> crystal for an orientation).
inline Vec3 rotate(const Quat& q, const Vec3& v) {
  const double qq[4] = {q.w, q.x, q.y, q.z};
  Vec3 out{};
  host().rotate_vector(qq, v.data(), out.data());
  return out;
}
inline Quat reduce_to_fundamental_zone(const Quat& q, int laue) {
  const double in[4] = {q.w, q.x, q.y, q.z};
  double out[4];
  host().reduce_to_fundamental_zone(in, laue, out);
  return {out[0], out[1], out[2], out[3]};
}
inline std::string laue_symbol(int laue) { return host().laue_symbol(laue); }

// ---- parameter declarations --------------------------------------------------------------------

// One declared parameter, built fluently:
//   sdk::Param::number("threshold_deg", 5.0).range(0.0, 180.0).unit("deg").help("...")
class Param {
public:
  static Param boolean(std::string name, bool fallback) { return {std::move(name), EBSD_PARAM_BOOL, fallback ? "true" : "false"}; }
  static Param integer(std::string name, std::int64_t fallback) {
    return {std::move(name), EBSD_PARAM_INT, std::to_string(fallback)};
  }
  static Param number(std::string name, double fallback) { return {std::move(name), EBSD_PARAM_FLOAT, json_number(fallback)}; }
  static Param text(std::string name, const std::string& fallback) {
    return {std::move(name), EBSD_PARAM_STRING, json_string(fallback)};
  }
  static Param choice(std::string name, const std::string& fallback, std::vector<std::string> choices) {
    Param p{std::move(name), EBSD_PARAM_CHOICE, json_string(fallback)};
    p.choices_ = std::move(choices);
    return p;
  }
  static Param numbers(std::string name, const std::vector<double>& fallback) {
    std::string text = "[";
    for (std::size_t i = 0; i < fallback.size(); ++i) {
      if (i > 0) text += ',';
      text += json_number(fallback[i]);
    }
    text += ']';
    return {std::move(name), EBSD_PARAM_FLOAT_LIST, text};
  }
  // A parameter without default: the user must give it. `type` is EBSD_PARAM_*.
  static Param required(std::string name, int type) { return Param(std::move(name), type, RequiredTag{}); }

  Param& range(double lo, double hi) {
    has_min_ = has_max_ = true;
    min_ = lo;
    max_ = hi;
    return *this;
  }
  Param& at_least(double lo) {
    has_min_ = true;
    min_ = lo;
    return *this;
  }
  Param& unit(std::string u) {
    unit_ = std::move(u);
    return *this;
  }
  Param& help(std::string h) {
    help_ = std::move(h);
    return *this;
  }
  Param& list_size(std::uint32_t n) {
    list_size_ = n;
    return *this;
  }

  const std::string& name() const { return name_; }

  // The C descriptor; its pointers refer into this Param, which must outlive its use.
  ebsd_param_desc describe() const {
    choice_ptrs_.clear();
    for (const auto& c : choices_) choice_ptrs_.push_back(c.c_str());
    ebsd_param_desc d{};
    d.struct_size = sizeof(ebsd_param_desc);
    d.name = name_.c_str();
    d.type = type_;
    d.default_json = required_ ? nullptr : default_json_.c_str();
    d.has_min = has_min_;
    d.min = min_;
    d.has_max = has_max_;
    d.max = max_;
    d.choices = choice_ptrs_.empty() ? nullptr : choice_ptrs_.data();
    d.choice_count = static_cast<std::uint32_t>(choice_ptrs_.size());
    d.unit = unit_.c_str();
    d.help = help_.c_str();
    d.list_size = list_size_;
    return d;
  }

  static std::string json_number(double x) {
    if (!std::isfinite(x)) throw Error("a parameter default must be a finite number");
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", x);
    return buf;
  }
  static std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (const unsigned char c : s) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      } else {
        out += static_cast<char>(c);
      }
    }
    return out + "\"";
  }

private:
  struct RequiredTag {};
  Param(std::string name, int type, std::string default_json)
      : name_(std::move(name)), type_(type), default_json_(std::move(default_json)) {}
  Param(std::string name, int type, RequiredTag) : name_(std::move(name)), type_(type), required_(true) {}

  std::string name_;
  int type_ = EBSD_PARAM_STRING;
  std::string default_json_;
  bool required_ = false;
  bool has_min_ = false, has_max_ = false;
  double min_ = 0.0, max_ = 0.0;
  std::vector<std::string> choices_;
  mutable std::vector<const char*> choice_ptrs_;
  std::string unit_, help_;
  std::uint32_t list_size_ = 0;
};

// ---- what a callback sees --------------------------------------------------------------------

// The checked parameter values of one run. Every getter throws sdk::Error when the name was
// not declared or has another type.
class Params {
public:
  explicit Params(const ebsd_params* p) : p_(p) {}
  bool get_bool(const char* name) const {
    std::int32_t v = 0;
    check(host().param_bool(p_, name, &v), name, "a boolean");
    return v != 0;
  }
  std::int64_t get_int(const char* name) const {
    std::int64_t v = 0;
    check(host().param_int(p_, name, &v), name, "an integer");
    return v;
  }
  double get_float(const char* name) const {
    double v = 0.0;
    check(host().param_float(p_, name, &v), name, "a number");
    return v;
  }
  std::string get_string(const char* name) const {
    const char* v = nullptr;
    check(host().param_string(p_, name, &v), name, "text");
    return v ? v : "";
  }
  std::size_t count(const char* name) const {
    std::size_t n = 0;
    check(host().param_count(p_, name, &n), name, "a list");
    return n;
  }
  std::vector<double> get_floats(const char* name) const {
    std::vector<double> out(count(name));
    for (std::size_t i = 0; i < out.size(); ++i) check(host().param_float_at(p_, name, i, &out[i]), name, "numbers");
    return out;
  }
  std::vector<std::int64_t> get_ints(const char* name) const {
    std::vector<std::int64_t> out(count(name));
    for (std::size_t i = 0; i < out.size(); ++i) check(host().param_int_at(p_, name, i, &out[i]), name, "integers");
    return out;
  }
  std::vector<std::string> get_strings(const char* name) const {
    std::vector<std::string> out(count(name));
    for (std::size_t i = 0; i < out.size(); ++i) {
      const char* v = nullptr;
      check(host().param_string_at(p_, name, i, &v), name, "text items");
      out[i] = v ? v : "";
    }
    return out;
  }
  const ebsd_params* raw() const { return p_; }

private:
  static void check(ebsd_status s, const char* name, const char* expected) {
    if (s != EBSD_OK)
      throw Error(std::string("parameter '") + name + "' is not declared or is not " + expected);
  }
  const ebsd_params* p_;
};

// One invocation: progress, cancellation, messages, results, and (for readers and source
// steps) the volume being made.
class Volume;
class Context {
public:
  explicit Context(ebsd_context* c) : c_(c) {}
  void progress(double fraction, const std::string& message = {}) const {
    host().report_progress(c_, fraction, message.c_str());
  }
  bool cancelled() const { return host().is_cancelled(c_) != 0; }
  // Throws sdk::Cancelled when the user asked to stop: call it at safe points in loops.
  void check_cancelled() const {
    if (cancelled()) throw Cancelled{};
  }
  void warn(const std::string& message) const { host().warn(c_, message.c_str()); }
  void log(const std::string& line) const { host().log(c_, line.c_str()); }
  void report(const std::string& key, double value) const { host().report_number(c_, key.c_str(), value); }
  void report(const std::string& key, const std::string& value) const {
    host().report_text(c_, key.c_str(), value.c_str());
  }
  inline Volume create_volume(const Dims& dims, const Vec3& spacing = {1.0, 1.0, 1.0}) const;
  ebsd_context* raw() const { return c_; }

private:
  ebsd_context* c_;
};

// Read access to a volume (what writers and forward models get).
class VolumeView {
public:
  explicit VolumeView(const ebsd_volume* v) : cv_(v) {
    host().volume_dims(v, dims_.data());
    count_ = dims_[0] * dims_[1] * dims_[2];
  }
  const Dims& dims() const { return dims_; }
  std::int64_t voxel_count() const { return count_; }
  std::int64_t index(std::int64_t x, std::int64_t y, std::int64_t z) const { return x + dims_[0] * (y + dims_[1] * z); }
  Vec3 spacing() const {
    Vec3 s{};
    host().volume_spacing(cv_, s.data());
    return s;
  }
  Vec3 origin() const {
    Vec3 o{};
    host().volume_origin(cv_, o.data());
    return o;
  }
  std::string length_unit() const { return host().volume_length_unit(cv_); }

  // 4 floats (w, x, y, z) per voxel.
  std::span<const float> orientation_data() const { return {host().volume_orientations(cv_), n(4)}; }
  Quat orientation(std::int64_t i) const {
    const float* q = host().volume_orientations(cv_) + 4 * i;
    return {q[0], q[1], q[2], q[3]};
  }
  std::span<const std::int32_t> phase_ids() const { return {host().volume_phase_ids(cv_), n(1)}; }
  std::span<const std::uint8_t> valid() const { return {host().volume_valid(cv_), n(1)}; }
  std::span<const float> confidence() const { return {host().volume_confidence(cv_), n(1)}; }
  std::span<const float> image_quality() const { return {host().volume_image_quality(cv_), n(1)}; }
  bool has_grain_ids() const { return host().volume_grain_ids(cv_) != nullptr; }
  // Empty until the volume is segmented.
  std::span<const std::int32_t> grain_ids() const {
    const std::int32_t* g = host().volume_grain_ids(cv_);
    return g ? std::span<const std::int32_t>(g, n(1)) : std::span<const std::int32_t>();
  }

  // Phase id k >= 1 is phases()[k - 1].
  std::vector<Phase> phases() const {
    std::vector<Phase> out(host().volume_phase_count(cv_));
    for (std::uint32_t k = 0; k < out.size(); ++k) {
      ebsd_phase p{};
      p.struct_size = sizeof p;
      if (host().volume_phase(cv_, k, &p) != EBSD_OK) throw detail::HostError{};
      out[k].name = p.name ? p.name : "";
      out[k].laue = p.laue;
      for (int j = 0; j < 6; ++j) out[k].lattice[static_cast<std::size_t>(j)] = p.lattice[j];
    }
    return out;
  }

  std::vector<std::string> channel_names() const {
    std::vector<std::string> out;
    const std::uint32_t count = host().volume_channel_count(cv_);
    for (std::uint32_t k = 0; k < count; ++k) out.emplace_back(host().volume_channel_name(cv_, k));
    return out;
  }
  bool has_channel(const std::string& name) const { return host().volume_channel(cv_, name.c_str()) != nullptr; }
  // Throws sdk::Error when the channel is absent.
  std::span<const float> channel(const std::string& name) const {
    const float* c = host().volume_channel(cv_, name.c_str());
    if (!c) throw Error("the volume has no channel '" + name + "'");
    return {c, n(1)};
  }

  const ebsd_volume* raw() const { return cv_; }

protected:
  std::size_t n(std::size_t per_voxel) const { return static_cast<std::size_t>(count_) * per_voxel; }
  const ebsd_volume* cv_;
  Dims dims_{};
  std::int64_t count_ = 0;
};

// Read and write access (what steps and readers get).
class Volume : public VolumeView {
public:
  explicit Volume(ebsd_volume* v) : VolumeView(v), v_(v) {}
  // Write unit quaternions with w >= 0.
  std::span<float> orientation_data() { return {host().volume_orientations_mut(v_), n(4)}; }
  using VolumeView::orientation_data;
  void set_orientation(std::int64_t i, const Quat& q) {
    const double s = q.w < 0 ? -1.0 : 1.0;
    float* d = host().volume_orientations_mut(v_) + 4 * i;
    d[0] = static_cast<float>(s * q.w);
    d[1] = static_cast<float>(s * q.x);
    d[2] = static_cast<float>(s * q.y);
    d[3] = static_cast<float>(s * q.z);
  }
  std::span<std::int32_t> phase_ids() { return {host().volume_phase_ids_mut(v_), n(1)}; }
  using VolumeView::phase_ids;
  std::span<std::uint8_t> valid() { return {host().volume_valid_mut(v_), n(1)}; }
  using VolumeView::valid;
  std::span<float> confidence() { return {host().volume_confidence_mut(v_), n(1)}; }
  using VolumeView::confidence;
  std::span<float> image_quality() { return {host().volume_image_quality_mut(v_), n(1)}; }
  using VolumeView::image_quality;

  void set_spacing(const Vec3& s) {
    if (host().volume_set_spacing(v_, s.data()) != EBSD_OK) throw detail::HostError{};
  }
  void set_origin(const Vec3& o) { host().volume_set_origin(v_, o.data()); }
  void set_grain_ids(std::span<const std::int32_t> ids) {
    if (host().volume_set_grain_ids(v_, ids.data(), static_cast<std::int64_t>(ids.size())) != EBSD_OK)
      throw detail::HostError{};
  }
  // Returns the new phase's id (1-based).
  std::int32_t add_phase(const Phase& phase) {
    ebsd_phase p{};
    p.struct_size = sizeof p;
    p.name = phase.name.c_str();
    p.laue = phase.laue;
    for (int j = 0; j < 6; ++j) p.lattice[j] = phase.lattice[static_cast<std::size_t>(j)];
    if (host().volume_add_phase(v_, &p) != EBSD_OK) throw detail::HostError{};
    return static_cast<std::int32_t>(host().volume_phase_count(v_));
  }
  // Adds (or replaces) a channel filled with zeros and returns its values.
  std::span<float> add_channel(const std::string& name, const std::string& unit, const std::string& description) {
    float* c = host().volume_add_channel(v_, name.c_str(), unit.c_str(), description.c_str());
    if (!c) throw detail::HostError{};
    return {c, n(1)};
  }
  ebsd_volume* raw() { return v_; }

private:
  ebsd_volume* v_;
};

inline Volume Context::create_volume(const Dims& dims, const Vec3& spacing) const {
  ebsd_volume* v = host().create_volume(c_, dims.data(), spacing.data());
  if (!v) throw detail::HostError{};
  return Volume(v);
}

// What preflight knows about the data.
class Shape {
public:
  explicit Shape(ebsd_shape* s) : s_(s) {}
  bool has_volume() const { return host().shape_has_volume(s_) != 0; }
  bool known() const { return host().shape_is_known(s_) != 0; }
  Dims dims() const {
    Dims d{};
    host().shape_dims(s_, d.data());
    return d;
  }
  bool may_have_channel(const std::string& name) const { return host().shape_may_have_channel(s_, name.c_str()) != 0; }
  bool has_grain_ids() const { return host().shape_has_grain_ids(s_) != 0; }
  void add_channel(const std::string& name) { host().shape_add_channel(s_, name.c_str()); }
  void set_volume(bool known, const Dims& dims) { host().shape_set_volume(s_, known ? 1 : 0, dims.data()); }

private:
  ebsd_shape* s_;
};

// Where a modality reader puts decoded images.
class ImageSink {
public:
  explicit ImageSink(ebsd_image_sink* s) : s_(s) {}
  // A page of width x height grey levels, row-major from the top row; bits is 8 or 16.
  std::span<float> add_page(std::int64_t width, std::int64_t height, int bits) {
    float* p = host().image_add_page(s_, width, height, bits);
    if (!p) throw detail::HostError{};
    return {p, static_cast<std::size_t>(width * height)};
  }

private:
  ebsd_image_sink* s_;
};

// ---- definitions a plugin registers ----------------------------------------------------------

struct StepDefinition {
  std::string id;           // kebab-case, unique across the product
  std::string title;
  std::string category;     // "Analysis", "Repair", ...
  std::string description;
  std::vector<Param> parameters;
  bool writes_files = false;
  // Optional: check parameters against the shape and update it; throw sdk::Error to refuse.
  std::function<void(const Params&, Shape&)> preflight;
  // Works on the current volume. Exactly one of execute and produce is set.
  std::function<void(const Params&, Volume&, Context&)> execute;
  // A source step: makes a new volume with Context::create_volume.
  std::function<void(const Params&, Context&)> produce;
};

struct FormatDefinition {
  std::string name;
  std::string description;
  std::vector<std::string> extensions;  // ".xyz"
  std::function<bool(const std::string& path)> sniff;                        // required with read
  std::function<void(const std::string& path, Context&)> read;              // Context::create_volume
  std::function<void(const std::string& path, const VolumeView&, Context&)> write;
};

struct ModalityDefinition {
  std::string name;         // "sem" -> steps import-sem, predict-sem
  std::string title;
  std::string unit;
  std::string description;
  std::vector<std::string> extensions;
  std::function<void(const std::string& path, ImageSink&, Context&)> read_images;  // required
  // Optional forward model: one value per voxel into `out` (pre-filled with NaN).
  std::function<void(const Params&, const VolumeView&, std::span<float> out, Context&)> predict;
  std::vector<Param> predict_parameters;
  std::string predict_description;
  std::string predict_unit;
};

namespace detail {

// Definitions live as long as the plugin (their addresses are the C callbacks' user data).
template <class T>
T& keep(T&& definition) {
  static std::list<T> kept;
  kept.push_back(std::move(definition));
  return kept.back();
}

inline ebsd_status fail(ebsd_context* ctx, const char* message) {
  host().set_error(ctx, message);
  return EBSD_ERROR;
}

// Runs `body` and turns every exception into a status: nothing unwinds into the host.
template <class F>
ebsd_status guarded(ebsd_context* ctx, F&& body) noexcept {
  try {
    body();
    return EBSD_OK;
  } catch (const Cancelled&) {
    return EBSD_CANCELLED;
  } catch (const HostError&) {
    return EBSD_ERROR;
  } catch (const std::exception& e) {
    return fail(ctx, e.what());
  } catch (...) {
    return fail(ctx, "unknown C++ exception in the plugin");
  }
}

inline std::vector<ebsd_param_desc> describe(const std::vector<Param>& params) {
  std::vector<ebsd_param_desc> out;
  out.reserve(params.size());
  for (const auto& p : params) out.push_back(p.describe());
  return out;
}

inline std::vector<const char*> c_strings(const std::vector<std::string>& v) {
  std::vector<const char*> out;
  for (const auto& s : v) out.push_back(s.c_str());
  return out;
}

}  // namespace detail

// What ebsd_plugin_register hands the plugin's registration function. Each add throws
// sdk::Error with the host's reason when the host refuses the definition.
class Registrar {
public:
  explicit Registrar(const ebsd_registrar* r) : r_(r) {}

  void info(const std::string& name, const std::string& version, const std::string& description) {
    ebsd_plugin_info i{sizeof(ebsd_plugin_info), name.c_str(), version.c_str(), description.c_str()};
    check(r_->set_info(r_->registration, &i));
  }

  void add_step(StepDefinition definition) {
    if (!definition.execute == !definition.produce)
      throw Error("step '" + definition.id + "': set exactly one of execute and produce");
    StepDefinition& d = detail::keep(std::move(definition));
    const auto params = detail::describe(d.parameters);
    ebsd_step_desc s{};
    s.struct_size = sizeof s;
    s.id = d.id.c_str();
    s.title = d.title.c_str();
    s.category = d.category.c_str();
    s.description = d.description.c_str();
    s.params = params.empty() ? nullptr : params.data();
    s.param_count = static_cast<std::uint32_t>(params.size());
    s.input = d.produce ? EBSD_STEP_INPUT_NONE : EBSD_STEP_INPUT_VOLUME;
    s.writes_files = d.writes_files ? 1 : 0;
    s.preflight = d.preflight ? &preflight_step : nullptr;
    s.execute = &execute_step;
    s.user = &d;
    check(r_->add_step(r_->registration, &s));
  }

  void add_format(FormatDefinition definition) {
    if (definition.read && !definition.sniff)
      throw Error("format '" + definition.name + "': a reader needs a sniff function");
    FormatDefinition& d = detail::keep(std::move(definition));
    const auto extensions = detail::c_strings(d.extensions);
    ebsd_format_desc f{};
    f.struct_size = sizeof f;
    f.name = d.name.c_str();
    f.description = d.description.c_str();
    f.extensions = extensions.empty() ? nullptr : extensions.data();
    f.extension_count = static_cast<std::uint32_t>(extensions.size());
    f.sniff = d.sniff ? &sniff_format : nullptr;
    f.read = d.read ? &read_format : nullptr;
    f.write = d.write ? &write_format : nullptr;
    f.user = &d;
    check(r_->add_format(r_->registration, &f));
  }

  void add_modality(ModalityDefinition definition) {
    if (!definition.read_images) throw Error("modality '" + definition.name + "' needs read_images");
    ModalityDefinition& d = detail::keep(std::move(definition));
    const auto extensions = detail::c_strings(d.extensions);
    const auto params = detail::describe(d.predict_parameters);
    ebsd_modality_desc m{};
    m.struct_size = sizeof m;
    m.name = d.name.c_str();
    m.title = d.title.c_str();
    m.unit = d.unit.c_str();
    m.description = d.description.c_str();
    m.extensions = extensions.empty() ? nullptr : extensions.data();
    m.extension_count = static_cast<std::uint32_t>(extensions.size());
    m.read_images = &read_modality;
    m.predict = d.predict ? &predict_modality : nullptr;
    m.predict_params = params.empty() ? nullptr : params.data();
    m.predict_param_count = static_cast<std::uint32_t>(params.size());
    m.predict_description = d.predict_description.c_str();
    m.predict_unit = d.predict_unit.c_str();
    m.user = &d;
    check(r_->add_modality(r_->registration, &m));
  }

private:
  void check(ebsd_status s) const {
    if (s != EBSD_OK) {
      const char* why = r_->last_error(r_->registration);
      throw Error(why && *why ? why : "the host refused the registration");
    }
  }

  // The C callbacks: each unpacks its definition and runs it inside detail::guarded.
  static ebsd_status preflight_step(void* user, const ebsd_params* p, ebsd_shape* s, ebsd_context* ctx) {
    return detail::guarded(ctx, [&] {
      Params params(p);
      Shape shape(s);
      static_cast<StepDefinition*>(user)->preflight(params, shape);
    });
  }
  static ebsd_status execute_step(void* user, const ebsd_params* p, ebsd_volume* v, ebsd_context* ctx) {
    return detail::guarded(ctx, [&] {
      auto& d = *static_cast<StepDefinition*>(user);
      Params params(p);
      Context context(ctx);
      if (d.produce) {
        d.produce(params, context);
      } else {
        Volume volume(v);
        d.execute(params, volume, context);
      }
    });
  }
  static std::int32_t sniff_format(void* user, const char* path) {
    try {
      return static_cast<FormatDefinition*>(user)->sniff(path) ? 1 : 0;
    } catch (...) {
      return 0;  // a sniff that cannot tell says "not mine"
    }
  }
  static ebsd_status read_format(void* user, const char* path, ebsd_context* ctx) {
    return detail::guarded(ctx, [&] {
      Context context(ctx);
      static_cast<FormatDefinition*>(user)->read(path, context);
    });
  }
  static ebsd_status write_format(void* user, const char* path, const ebsd_volume* v, ebsd_context* ctx) {
    return detail::guarded(ctx, [&] {
      Context context(ctx);
      VolumeView volume(v);
      static_cast<FormatDefinition*>(user)->write(path, volume, context);
    });
  }
  static ebsd_status read_modality(void* user, const char* path, ebsd_image_sink* s, ebsd_context* ctx) {
    return detail::guarded(ctx, [&] {
      Context context(ctx);
      ImageSink sink(s);
      static_cast<ModalityDefinition*>(user)->read_images(path, sink, context);
    });
  }
  static ebsd_status predict_modality(void* user, const ebsd_params* p, const ebsd_volume* v, float* out,
                                      ebsd_context* ctx) {
    return detail::guarded(ctx, [&] {
      Params params(p);
      Context context(ctx);
      VolumeView volume(v);
      static_cast<ModalityDefinition*>(user)->predict(params, volume,
                                                      std::span<float>(out, static_cast<std::size_t>(volume.voxel_count())),
                                                      context);
    });
  }

  const ebsd_registrar* r_;
};

namespace detail {

// The body of ebsd_plugin_register for a C++ plugin: a failure of the registration function
// becomes the registration's error message.
inline ebsd_status register_plugin(const ebsd_host_api* host_table, const ebsd_registrar* registrar,
                                   void (*registration)(Registrar&)) noexcept {
  try {
    if (!host_table || !registrar) return EBSD_ERROR;
    host_pointer() = host_table;
    Registrar r(registrar);
    registration(r);
    return EBSD_OK;
  } catch (const std::exception& e) {
    registrar->set_error(registrar->registration, e.what());
  } catch (...) {
    registrar->set_error(registrar->registration, "unknown C++ exception during registration");
  }
  return EBSD_ERROR;
}

}  // namespace detail
}  // namespace ebsd::sdk

// Defines both entry points of a C++ plugin; `registration` is a void(ebsd::sdk::Registrar&).
#define EBSD_PLUGIN(registration)                                                                           \
  extern "C" EBSD_PLUGIN_EXPORT uint32_t ebsd_plugin_sdk_version(void) { return EBSD_SDK_VERSION; }         \
  extern "C" EBSD_PLUGIN_EXPORT ebsd_status ebsd_plugin_register(const ebsd_host_api* host_table,           \
                                                                 const ebsd_registrar* registrar) {         \
    return ::ebsd::sdk::detail::register_plugin(host_table, registrar, (registration));                    \
  }
