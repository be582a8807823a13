// The host function table: every function a plugin can call. None of them throws (a C
// caller cannot catch): failures return NULL or EBSD_ERROR and, where a context is known,
// leave a message the adapter turns into the step's error.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>

#include "ebsd/core/version.hpp"
#include "ebsd/orientation/disorientation.hpp"
#include "ebsd/orientation/laue_group.hpp"
#include "host_handles.hpp"

namespace ebsd::plugins {
namespace {

using nlohmann::json;

// The host's LaueGroup numbering is the ABI's: a renumbering would break every plugin.
static_assert(static_cast<int>(LaueGroup::Triclinic) == EBSD_LAUE_TRICLINIC);
static_assert(static_cast<int>(LaueGroup::HexagonalHigh) == EBSD_LAUE_HEXAGONAL_HIGH);
static_assert(static_cast<int>(LaueGroup::CubicHigh) == EBSD_LAUE_CUBIC_HIGH);
static_assert(kLaueGroupCount == EBSD_LAUE_COUNT);

bool valid_laue(std::int32_t laue) { return laue >= 0 && laue < kLaueGroupCount; }
std::string text(const char* s) { return s ? std::string(s) : std::string(); }

void fail(ebsd_context* ctx, const std::string& message) {
  if (ctx) ctx->error = message;
}

// --- the invocation context ----------------------------------------------------------------

void set_error(ebsd_context* ctx, const char* message) {
  try {
    fail(ctx, message && *message ? message : "failed without a message");
  } catch (...) {
  }
}

void warn(ebsd_context* ctx, const char* message) {
  try {
    if (ctx && message) ctx->warnings.emplace_back(message);
  } catch (...) {
  }
}

void log_line(ebsd_context* ctx, const char* line) {
  try {
    if (ctx && line && ctx->log) ctx->log(line);
  } catch (...) {
  }
}

void report_progress(ebsd_context* ctx, double fraction, const char* message) {
  try {
    if (ctx && std::isfinite(fraction)) ctx->progress->report(std::clamp(fraction, 0.0, 1.0), text(message));
  } catch (...) {
  }
}

std::int32_t is_cancelled(ebsd_context* ctx) { return ctx && ctx->progress->cancelled() ? 1 : 0; }

void report_number(ebsd_context* ctx, const char* key, double value) {
  try {
    if (ctx && key && *key) ctx->report[key] = std::isfinite(value) ? json(value) : json();
  } catch (...) {
  }
}

void report_text(ebsd_context* ctx, const char* key, const char* value) {
  try {
    if (ctx && key && *key) ctx->report[key] = text(value);
  } catch (...) {
  }
}

ebsd_volume* create_volume(ebsd_context* ctx, const std::int64_t dims[3], const double spacing[3]) {
  if (!ctx) return nullptr;
  if (!ctx->may_create_volume) {
    fail(ctx, "create_volume is only available to file readers and source steps, and not during preflight");
    return nullptr;
  }
  if (!dims || !spacing) {
    fail(ctx, "create_volume needs dims and spacing");
    return nullptr;
  }
  try {
    Volume v({dims[0], dims[1], dims[2]});
    v.set_spacing({spacing[0], spacing[1], spacing[2]});
    ctx->created = std::move(v);
    ctx->created_handle = {&*ctx->created, ctx};
    return &ctx->created_handle;
  } catch (const std::exception& e) {
    fail(ctx, std::string("create_volume: ") + e.what());
  } catch (...) {
    fail(ctx, "create_volume failed");
  }
  return nullptr;
}

// --- parameter values -------------------------------------------------------------------------

const json* param(const ebsd_params* p, const char* name) {
  if (!p || !p->values || !name) return nullptr;
  const json& all = p->values->json();
  const auto it = all.find(name);
  return it == all.end() ? nullptr : &*it;
}

// The list a value stands for: arrays as they are, a single string as one element, null as none.
const json* element(const json* v, std::size_t index) {
  if (!v) return nullptr;
  if (v->is_array()) return index < v->size() ? &(*v)[index] : nullptr;
  if (v->is_string() && index == 0) return v;
  return nullptr;
}

ebsd_status param_bool(const ebsd_params* p, const char* name, std::int32_t* out) {
  const json* v = param(p, name);
  if (!v || !v->is_boolean() || !out) return EBSD_ERROR;
  *out = v->get<bool>() ? 1 : 0;
  return EBSD_OK;
}

ebsd_status param_int(const ebsd_params* p, const char* name, std::int64_t* out) {
  const json* v = param(p, name);
  if (!v || !v->is_number_integer() || !out) return EBSD_ERROR;
  *out = v->get<std::int64_t>();
  return EBSD_OK;
}

ebsd_status param_float(const ebsd_params* p, const char* name, double* out) {
  const json* v = param(p, name);
  if (!v || !v->is_number() || !out) return EBSD_ERROR;
  *out = v->get<double>();
  return EBSD_OK;
}

ebsd_status param_string(const ebsd_params* p, const char* name, const char** out) {
  const json* v = param(p, name);
  if (!v || !out) return EBSD_ERROR;
  if (v->is_null()) {
    *out = "";
    return EBSD_OK;
  }
  if (!v->is_string()) return EBSD_ERROR;
  *out = v->get_ref<const std::string&>().c_str();
  return EBSD_OK;
}

ebsd_status param_count(const ebsd_params* p, const char* name, std::size_t* out) {
  const json* v = param(p, name);
  if (!v || !out) return EBSD_ERROR;
  if (v->is_null()) *out = 0;
  else if (v->is_array()) *out = v->size();
  else if (v->is_string()) *out = 1;
  else return EBSD_ERROR;
  return EBSD_OK;
}

ebsd_status param_int_at(const ebsd_params* p, const char* name, std::size_t index, std::int64_t* out) {
  const json* e = element(param(p, name), index);
  if (!e || !e->is_number_integer() || !out) return EBSD_ERROR;
  *out = e->get<std::int64_t>();
  return EBSD_OK;
}

ebsd_status param_float_at(const ebsd_params* p, const char* name, std::size_t index, double* out) {
  const json* e = element(param(p, name), index);
  if (!e || !e->is_number() || !out) return EBSD_ERROR;
  *out = e->get<double>();
  return EBSD_OK;
}

ebsd_status param_string_at(const ebsd_params* p, const char* name, std::size_t index, const char** out) {
  const json* e = element(param(p, name), index);
  if (!e || !e->is_string() || !out) return EBSD_ERROR;
  *out = e->get_ref<const std::string&>().c_str();
  return EBSD_OK;
}

// --- preflight shape ----------------------------------------------------------------------------

std::int32_t shape_has_volume(const ebsd_shape* s) { return s && s->shape->has_volume ? 1 : 0; }
std::int32_t shape_is_known(const ebsd_shape* s) { return s && s->shape->known ? 1 : 0; }
void shape_dims(const ebsd_shape* s, std::int64_t out[3]) {
  if (!out) return;
  for (int k = 0; k < 3; ++k) out[k] = s ? s->shape->dims[static_cast<std::size_t>(k)] : 0;
}
std::int32_t shape_may_have_channel(const ebsd_shape* s, const char* name) {
  try {
    return s && name && s->shape->may_have_channel(name) ? 1 : 0;
  } catch (...) {
    return 0;
  }
}
std::int32_t shape_has_grain_ids(const ebsd_shape* s) { return s && s->shape->has_grain_ids ? 1 : 0; }
void shape_add_channel(ebsd_shape* s, const char* name) {
  try {
    if (s && name && *name) s->shape->channels.insert(name);
  } catch (...) {
  }
}
void shape_set_volume(ebsd_shape* s, std::int32_t known, const std::int64_t dims[3]) {
  if (!s) return;
  s->shape->has_volume = true;
  s->shape->known = known != 0 && dims != nullptr;
  s->shape->channels.clear();
  s->shape->has_grain_ids = false;
  for (std::size_t k = 0; k < 3; ++k) s->shape->dims[k] = s->shape->known ? dims[k] : 0;
}

// --- volume geometry --------------------------------------------------------------------------

void volume_dims(const ebsd_volume* v, std::int64_t out[3]) {
  if (!out) return;
  for (std::size_t k = 0; k < 3; ++k) out[k] = v ? v->volume->dims()[k] : 0;
}
void volume_spacing(const ebsd_volume* v, double out[3]) {
  if (!out) return;
  for (std::size_t k = 0; k < 3; ++k) out[k] = v ? v->volume->spacing()[k] : 0.0;
}
void volume_origin(const ebsd_volume* v, double out[3]) {
  if (!out) return;
  for (std::size_t k = 0; k < 3; ++k) out[k] = v ? v->volume->origin()[k] : 0.0;
}
ebsd_status volume_set_spacing(ebsd_volume* v, const double spacing[3]) {
  if (!v || !spacing) return EBSD_ERROR;
  try {
    v->volume->set_spacing({spacing[0], spacing[1], spacing[2]});
    return EBSD_OK;
  } catch (const std::exception& e) {
    fail(v->ctx, std::string("set_spacing: ") + e.what());
  }
  return EBSD_ERROR;
}
void volume_set_origin(ebsd_volume* v, const double origin[3]) {
  if (v && origin) v->volume->set_origin({origin[0], origin[1], origin[2]});
}
const char* volume_length_unit(const ebsd_volume* v) { return v ? v->volume->length_unit().c_str() : ""; }

// --- per-voxel data ---------------------------------------------------------------------------

const float* volume_orientations(const ebsd_volume* v) { return v ? v->volume->quaternion_data().data() : nullptr; }
float* volume_orientations_mut(ebsd_volume* v) { return v ? v->volume->quaternion_data().data() : nullptr; }
const std::int32_t* volume_phase_ids(const ebsd_volume* v) { return v ? v->volume->phase_ids().data() : nullptr; }
std::int32_t* volume_phase_ids_mut(ebsd_volume* v) { return v ? v->volume->phase_ids().data() : nullptr; }
const std::uint8_t* volume_valid(const ebsd_volume* v) { return v ? v->volume->valid().data() : nullptr; }
std::uint8_t* volume_valid_mut(ebsd_volume* v) { return v ? v->volume->valid().data() : nullptr; }
const float* volume_confidence(const ebsd_volume* v) { return v ? v->volume->confidence().data() : nullptr; }
float* volume_confidence_mut(ebsd_volume* v) { return v ? v->volume->confidence().data() : nullptr; }
const float* volume_image_quality(const ebsd_volume* v) { return v ? v->volume->image_quality().data() : nullptr; }
float* volume_image_quality_mut(ebsd_volume* v) { return v ? v->volume->image_quality().data() : nullptr; }
const std::int32_t* volume_grain_ids(const ebsd_volume* v) {
  return v && v->volume->has_grain_ids() ? v->volume->grain_ids().data() : nullptr;
}
ebsd_status volume_set_grain_ids(ebsd_volume* v, const std::int32_t* ids, std::int64_t count) {
  if (!v) return EBSD_ERROR;
  if (!ids || count != v->volume->voxel_count()) {
    fail(v->ctx, "set_grain_ids: " + std::to_string(count) + " ids given, the volume has " +
                     std::to_string(v->volume->voxel_count()) + " voxels");
    return EBSD_ERROR;
  }
  try {
    v->volume->set_grain_ids(std::vector<std::int32_t>(ids, ids + count));
    return EBSD_OK;
  } catch (const std::exception& e) {
    fail(v->ctx, std::string("set_grain_ids: ") + e.what());
  }
  return EBSD_ERROR;
}

// --- phases -----------------------------------------------------------------------------------

std::uint32_t volume_phase_count(const ebsd_volume* v) {
  return v ? static_cast<std::uint32_t>(v->volume->phases().size()) : 0;
}
ebsd_status volume_phase(const ebsd_volume* v, std::uint32_t index, ebsd_phase* out) {
  if (!v || !out || out->struct_size < sizeof(ebsd_phase) || index >= v->volume->phases().size()) return EBSD_ERROR;
  const Phase& p = v->volume->phases()[index];
  out->name = p.name.c_str();
  out->laue = static_cast<std::int32_t>(p.laue);
  for (std::size_t k = 0; k < 6; ++k) out->lattice[k] = p.lattice[k];
  return EBSD_OK;
}
ebsd_status volume_add_phase(ebsd_volume* v, const ebsd_phase* phase) {
  if (!v) return EBSD_ERROR;
  if (!phase || phase->struct_size < sizeof(ebsd_phase) || !valid_laue(phase->laue)) {
    fail(v->ctx, "add_phase: a phase needs struct_size and a Laue group 0..10");
    return EBSD_ERROR;
  }
  try {
    Phase p;
    p.name = phase->name && *phase->name ? phase->name : "Unknown";
    p.laue = static_cast<LaueGroup>(phase->laue);
    for (std::size_t k = 0; k < 6; ++k) p.lattice[k] = phase->lattice[k];
    v->volume->phases().push_back(std::move(p));
    return EBSD_OK;
  } catch (const std::exception& e) {
    fail(v->ctx, std::string("add_phase: ") + e.what());
  }
  return EBSD_ERROR;
}

// --- channels -----------------------------------------------------------------------------------

std::uint32_t volume_channel_count(const ebsd_volume* v) {
  return v ? static_cast<std::uint32_t>(v->volume->channels().size()) : 0;
}
const char* volume_channel_name(const ebsd_volume* v, std::uint32_t index) {
  if (!v || index >= v->volume->channels().size()) return nullptr;
  auto it = v->volume->channels().begin();
  std::advance(it, index);
  return it->first.c_str();
}
const float* volume_channel(const ebsd_volume* v, const char* name) {
  if (!v || !name) return nullptr;
  const auto& channels = v->volume->channels();
  const auto it = channels.find(name);
  return it == channels.end() ? nullptr : it->second.values.data();
}
const char* volume_channel_unit(const ebsd_volume* v, const char* name) {
  if (!v || !name) return nullptr;
  const auto& channels = v->volume->channels();
  const auto it = channels.find(name);
  return it == channels.end() ? nullptr : it->second.unit.c_str();
}
float* volume_add_channel(ebsd_volume* v, const char* name, const char* unit, const char* description) {
  if (!v) return nullptr;
  if (!name || !*name) {
    fail(v->ctx, "add_channel: a channel needs a name");
    return nullptr;
  }
  try {
    Channel c;
    c.values.assign(static_cast<std::size_t>(v->volume->voxel_count()), 0.0f);
    c.unit = text(unit);
    c.description = text(description);
    v->volume->set_channel(name, std::move(c));
    return v->volume->channel(name).values.data();
  } catch (const std::exception& e) {
    fail(v->ctx, std::string("add_channel '") + name + "': " + e.what());
  }
  return nullptr;
}

// --- orientation maths ----------------------------------------------------------------------

double disorientation_angle_of(const float a[4], const float b[4], std::int32_t laue) {
  if (!a || !b || !valid_laue(laue)) return std::numeric_limits<double>::quiet_NaN();
  return disorientation_angle({a[0], a[1], a[2], a[3]}, {b[0], b[1], b[2], b[3]}, static_cast<LaueGroup>(laue));
}
std::uint32_t symmetry_operator_count(std::int32_t laue) {
  return valid_laue(laue) ? static_cast<std::uint32_t>(symmetry_operators(static_cast<LaueGroup>(laue)).size()) : 0;
}
void symmetry_operator(std::int32_t laue, std::uint32_t index, double out[4]) {
  if (!out) return;
  if (index >= symmetry_operator_count(laue)) {
    std::fill(out, out + 4, std::numeric_limits<double>::quiet_NaN());
    return;
  }
  const Quat& s = symmetry_operators(static_cast<LaueGroup>(laue))[index];
  out[0] = s.w;
  out[1] = s.x;
  out[2] = s.y;
  out[3] = s.z;
}
void rotate_vector(const double q[4], const double v[3], double out[3]) {
  if (!q || !v || !out) return;
  const Eigen::Vector3d r = rotate({q[0], q[1], q[2], q[3]}, {v[0], v[1], v[2]});
  out[0] = r.x();
  out[1] = r.y();
  out[2] = r.z();
}
void reduce_to_fz(const double q[4], std::int32_t laue, double out[4]) {
  if (!q || !out) return;
  if (!valid_laue(laue)) {
    std::fill(out, out + 4, std::numeric_limits<double>::quiet_NaN());
    return;
  }
  const Quat r = reduce_to_fundamental_zone({q[0], q[1], q[2], q[3]}, static_cast<LaueGroup>(laue));
  out[0] = r.w;
  out[1] = r.x;
  out[2] = r.y;
  out[3] = r.z;
}
const char* laue_symbol_of(std::int32_t laue) {
  // laue_symbol returns a view of a literal; copies make the NUL termination certain.
  static const std::array<std::string, kLaueGroupCount> symbols = [] {
    std::array<std::string, kLaueGroupCount> s;
    for (LaueGroup g : all_laue_groups()) s[static_cast<std::size_t>(g)] = std::string(laue_symbol(g));
    return s;
  }();
  return valid_laue(laue) ? symbols[static_cast<std::size_t>(laue)].c_str() : "";
}

// --- images -------------------------------------------------------------------------------------

float* image_add_page(ebsd_image_sink* sink, std::int64_t width, std::int64_t height, std::int32_t bits) {
  if (!sink) return nullptr;
  if (width < 1 || height < 1 || width > io::kMaxImageSide || height > io::kMaxImageSide ||
      width * height > io::kMaxImagePixels) {
    fail(sink->ctx, "an image of " + std::to_string(width) + " x " + std::to_string(height) +
                        " pixels is outside the accepted sizes (1 to " + std::to_string(io::kMaxImageSide) +
                        " per side, at most " + std::to_string(io::kMaxImagePixels) + " pixels)");
    return nullptr;
  }
  if (bits != 8 && bits != 16) {
    fail(sink->ctx, "an image page must be 8 or 16 bits deep, not " + std::to_string(bits));
    return nullptr;
  }
  try {
    io::GreyImage page;
    page.width = width;
    page.height = height;
    page.bits = bits;
    page.pixels.assign(static_cast<std::size_t>(width * height), 0.0f);
    sink->pages.push_back(std::move(page));
    return sink->pages.back().pixels.data();
  } catch (const std::exception& e) {
    fail(sink->ctx, std::string("image_add_page: ") + e.what());
  }
  return nullptr;
}

ebsd_host_api make_host_api() {
  ebsd_host_api h{};
  h.struct_size = sizeof(ebsd_host_api);
  h.sdk_version = EBSD_SDK_VERSION;
  h.host_version = EBSD_VERSION;
  h.set_error = &set_error;
  h.warn = &warn;
  h.log = &log_line;
  h.report_progress = &report_progress;
  h.is_cancelled = &is_cancelled;
  h.report_number = &report_number;
  h.report_text = &report_text;
  h.create_volume = &create_volume;
  h.param_bool = &param_bool;
  h.param_int = &param_int;
  h.param_float = &param_float;
  h.param_string = &param_string;
  h.param_count = &param_count;
  h.param_int_at = &param_int_at;
  h.param_float_at = &param_float_at;
  h.param_string_at = &param_string_at;
  h.shape_has_volume = &shape_has_volume;
  h.shape_is_known = &shape_is_known;
  h.shape_dims = &shape_dims;
  h.shape_may_have_channel = &shape_may_have_channel;
  h.shape_has_grain_ids = &shape_has_grain_ids;
  h.shape_add_channel = &shape_add_channel;
  h.shape_set_volume = &shape_set_volume;
  h.volume_dims = &volume_dims;
  h.volume_spacing = &volume_spacing;
  h.volume_origin = &volume_origin;
  h.volume_set_spacing = &volume_set_spacing;
  h.volume_set_origin = &volume_set_origin;
  h.volume_length_unit = &volume_length_unit;
  h.volume_orientations = &volume_orientations;
  h.volume_orientations_mut = &volume_orientations_mut;
  h.volume_phase_ids = &volume_phase_ids;
  h.volume_phase_ids_mut = &volume_phase_ids_mut;
  h.volume_valid = &volume_valid;
  h.volume_valid_mut = &volume_valid_mut;
  h.volume_confidence = &volume_confidence;
  h.volume_confidence_mut = &volume_confidence_mut;
  h.volume_image_quality = &volume_image_quality;
  h.volume_image_quality_mut = &volume_image_quality_mut;
  h.volume_grain_ids = &volume_grain_ids;
  h.volume_set_grain_ids = &volume_set_grain_ids;
  h.volume_phase_count = &volume_phase_count;
  h.volume_phase = &volume_phase;
  h.volume_add_phase = &volume_add_phase;
  h.volume_channel_count = &volume_channel_count;
  h.volume_channel_name = &volume_channel_name;
  h.volume_channel = &volume_channel;
  h.volume_channel_unit = &volume_channel_unit;
  h.volume_add_channel = &volume_add_channel;
  h.disorientation_angle = &disorientation_angle_of;
  h.symmetry_operator_count = &symmetry_operator_count;
  h.symmetry_operator = &symmetry_operator;
  h.rotate_vector = &rotate_vector;
  h.reduce_to_fundamental_zone = &reduce_to_fz;
  h.laue_symbol = &laue_symbol_of;
  h.image_add_page = &image_add_page;
  return h;
}

}  // namespace

const ebsd_host_api& host_api() {
  static const ebsd_host_api table = make_host_api();
  return table;
}

}  // namespace ebsd::plugins
