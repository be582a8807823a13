/*
 * EBSD Studio plugin SDK: the C ABI between the host (the `ebsd` command, the studio) and a
 * plugin (a shared library loaded at run time). Pure C99, usable from C and C++; nothing C++
 * (no exceptions, no std types) crosses this boundary. docs/plugins.md is the guide.
 *
 * A plugin exports two functions:
 *
 *   uint32_t    ebsd_plugin_sdk_version(void);
 *       Returns EBSD_SDK_VERSION as the plugin saw it when it was compiled. The host calls
 *       it first and refuses a plugin whose major version differs from its own.
 *
 *   ebsd_status ebsd_plugin_register(const ebsd_host_api* host, const ebsd_registrar* registrar);
 *       Called once per load with the host's function table and a registrar, through which
 *       the plugin declares its steps, file formats and side modalities. The host copies
 *       every string and descriptor during the call; `user` pointers and callbacks must stay
 *       valid for the life of the process (the host never unloads a registered plugin).
 *
 * Versioning: a minor version only appends (fields at the end of structs, functions at the
 * end of the host table, new enum values); a major version may change anything. Every struct
 * crossing the boundary starts with `struct_size`, so each side reads only what the other
 * side knows. A plugin built against a newer minor than the host's must check that a host
 * function exists before calling it: EBSD_HOST_HAS(host, member).
 *
 * Status codes: every callback returns EBSD_OK, EBSD_ERROR (after setting a message with
 * host->set_error) or EBSD_CANCELLED (after host->is_cancelled said so).
 */
#ifndef EBSD_SDK_EBSD_PLUGIN_H
#define EBSD_SDK_EBSD_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#define EBSD_SDK_VERSION_MAJOR 1
#define EBSD_SDK_VERSION_MINOR 0
#define EBSD_SDK_MAKE_VERSION(major, minor) ((((uint32_t)(major)) << 16) | ((uint32_t)(minor) & 0xFFFFu))
#define EBSD_SDK_VERSION EBSD_SDK_MAKE_VERSION(EBSD_SDK_VERSION_MAJOR, EBSD_SDK_VERSION_MINOR)
#define EBSD_SDK_VERSION_MAJOR_OF(v) (((uint32_t)(v)) >> 16)
#define EBSD_SDK_VERSION_MINOR_OF(v) (((uint32_t)(v)) & 0xFFFFu)

/* The exported symbol names, for hosts that look them up. */
#define EBSD_PLUGIN_VERSION_SYMBOL "ebsd_plugin_sdk_version"
#define EBSD_PLUGIN_REGISTER_SYMBOL "ebsd_plugin_register"

#if defined(_WIN32)
#define EBSD_PLUGIN_EXPORT __declspec(dllexport)
#else
#define EBSD_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- status codes ------------------------------------------------------------------------ */
typedef int32_t ebsd_status;
#define EBSD_OK 0
#define EBSD_ERROR 1
#define EBSD_CANCELLED 2

/* ---- opaque handles owned by the host ------------------------------------------------------ */
typedef struct ebsd_context ebsd_context;       /* one callback invocation: errors, progress, cancel */
typedef struct ebsd_volume ebsd_volume;         /* a 3D EBSD volume */
typedef struct ebsd_params ebsd_params;         /* the checked parameter values of one step run */
typedef struct ebsd_shape ebsd_shape;           /* what preflight knows of the data (no voxels) */
typedef struct ebsd_image_sink ebsd_image_sink; /* where a modality reader puts decoded images */
typedef struct ebsd_registration ebsd_registration; /* one plugin's registration in progress */

/* ---- Laue groups (same numbering as the host's ebsd::LaueGroup) ---------------------------- */
#define EBSD_LAUE_TRICLINIC 0       /* -1 */
#define EBSD_LAUE_MONOCLINIC 1      /* 2/m, unique axis b */
#define EBSD_LAUE_ORTHORHOMBIC 2    /* mmm */
#define EBSD_LAUE_TETRAGONAL_LOW 3  /* 4/m */
#define EBSD_LAUE_TETRAGONAL_HIGH 4 /* 4/mmm */
#define EBSD_LAUE_TRIGONAL_LOW 5    /* -3 */
#define EBSD_LAUE_TRIGONAL_HIGH 6   /* -3m */
#define EBSD_LAUE_HEXAGONAL_LOW 7   /* 6/m */
#define EBSD_LAUE_HEXAGONAL_HIGH 8  /* 6/mmm */
#define EBSD_LAUE_CUBIC_LOW 9       /* m-3 */
#define EBSD_LAUE_CUBIC_HIGH 10     /* m-3m */
#define EBSD_LAUE_COUNT 11

/* ---- parameters ---------------------------------------------------------------------------- */
#define EBSD_PARAM_BOOL 0
#define EBSD_PARAM_INT 1
#define EBSD_PARAM_FLOAT 2
#define EBSD_PARAM_STRING 3
#define EBSD_PARAM_CHOICE 4
#define EBSD_PARAM_INPUT_PATH 5
#define EBSD_PARAM_INPUT_PATHS 6
#define EBSD_PARAM_OUTPUT_PATH 7
#define EBSD_PARAM_INT_LIST 8
#define EBSD_PARAM_FLOAT_LIST 9
#define EBSD_PARAM_STRING_LIST 10

/* One declared parameter. In an array of these the host steps by the first element's
 * struct_size, so every element of one array must have the same struct_size. */
typedef struct ebsd_param_desc {
  uint32_t struct_size;      /* sizeof(ebsd_param_desc) */
  const char* name;          /* snake_case, unique within the step: "threshold_deg" */
  int32_t type;              /* EBSD_PARAM_* */
  const char* default_json;  /* the default as JSON text: "5", "true", "\"3d\"", "[1,0,0]";
                                NULL: the parameter is required */
  int32_t has_min;           /* nonzero: min applies (numbers and list elements, inclusive) */
  double min;
  int32_t has_max;
  double max;
  const char* const* choices; /* for EBSD_PARAM_CHOICE (and a restricted STRING_LIST) */
  uint32_t choice_count;
  const char* unit;           /* "deg", "um", "" */
  const char* help;           /* one sentence */
  uint32_t list_size;         /* exact element count of a list; 0: any */
} ebsd_param_desc;

/* ---- steps --------------------------------------------------------------------------------- */
#define EBSD_STEP_INPUT_VOLUME 0 /* works on the current volume */
#define EBSD_STEP_INPUT_NONE 1   /* a source: creates the volume with host->create_volume */

/* Checks parameters against the shape without touching voxel data; updates the shape to
 * what execute will produce (host->shape_add_channel). */
typedef ebsd_status (*ebsd_step_preflight_fn)(void* user, const ebsd_params* params, ebsd_shape* shape,
                                              ebsd_context* ctx);
/* Does the work. `volume` is the current volume (NULL for EBSD_STEP_INPUT_NONE). */
typedef ebsd_status (*ebsd_step_execute_fn)(void* user, const ebsd_params* params, ebsd_volume* volume,
                                            ebsd_context* ctx);

typedef struct ebsd_step_desc {
  uint32_t struct_size;     /* sizeof(ebsd_step_desc) */
  const char* id;           /* kebab-case, unique across the product: "kam" */
  const char* title;        /* "Kernel average misorientation" */
  const char* category;     /* "Analysis", "Repair", "Input/Output", ... */
  const char* description;  /* a few sentences */
  const ebsd_param_desc* params;
  uint32_t param_count;
  int32_t input;            /* EBSD_STEP_INPUT_* */
  int32_t writes_files;     /* nonzero when outputs go to disk */
  ebsd_step_preflight_fn preflight; /* may be NULL: nothing to check */
  ebsd_step_execute_fn execute;     /* required */
  void* user;
} ebsd_step_desc;

/* ---- file formats (whole volumes) ------------------------------------------------------------ */
/* Returns 1 when the file's content is this format, else 0. Reads little; never fails loudly. */
typedef int32_t (*ebsd_format_sniff_fn)(void* user, const char* path);
/* Reads `path` into a volume made with host->create_volume(ctx, ...). */
typedef ebsd_status (*ebsd_format_read_fn)(void* user, const char* path, ebsd_context* ctx);
/* Writes `volume` to `path` (the host passes a temporary name and renames it on success). */
typedef ebsd_status (*ebsd_format_write_fn)(void* user, const char* path, const ebsd_volume* volume,
                                            ebsd_context* ctx);

typedef struct ebsd_format_desc {
  uint32_t struct_size;     /* sizeof(ebsd_format_desc) */
  const char* name;         /* "myformat"; must not be a name the host already has */
  const char* description;  /* one line */
  const char* const* extensions; /* lower case with the dot: ".xyz" */
  uint32_t extension_count;
  ebsd_format_sniff_fn sniff;    /* required when read is set */
  ebsd_format_read_fn read;      /* NULL: write-only */
  ebsd_format_write_fn write;    /* NULL: read-only */
  void* user;
} ebsd_format_desc;

/* ---- side modalities --------------------------------------------------------------------------
 * A cheap imaging channel recorded with the EBSD maps (BSE, SE, optical ...). The host makes
 * the step "import-<name>" (paths, affine transform, channel name: images are placed on the
 * EBSD grid by the host, bilinear, NaN outside the image) and, when `predict` is set,
 * "predict-<name>" (the forward model's parameters plus an output channel name). */

/* Decodes one file into greyscale pages (one or more) with host->image_add_page. */
typedef ebsd_status (*ebsd_modality_read_fn)(void* user, const char* path, ebsd_image_sink* sink, ebsd_context* ctx);
/* Predicts the channel from the volume: writes one value per voxel into `out` (pre-filled
 * with NaN, which means "no prediction here"). */
typedef ebsd_status (*ebsd_modality_predict_fn)(void* user, const ebsd_params* params, const ebsd_volume* volume,
                                                float* out, ebsd_context* ctx);

typedef struct ebsd_modality_desc {
  uint32_t struct_size;     /* sizeof(ebsd_modality_desc) */
  const char* name;         /* lower-case id: "sem" gives steps import-sem and predict-sem */
  const char* title;        /* "SEM images (BSE/SE)" */
  const char* unit;         /* unit of the imported values: "grey level" */
  const char* description;  /* what the channel shows */
  const char* const* extensions; /* files the reader takes: ".pgm" */
  uint32_t extension_count;
  ebsd_modality_read_fn read_images; /* required */
  ebsd_modality_predict_fn predict;  /* NULL: no forward model */
  const ebsd_param_desc* predict_params;
  uint32_t predict_param_count;
  const char* predict_description;   /* the model in a few sentences */
  const char* predict_unit;          /* unit of the predicted values: "" for a normalised contrast */
  void* user;
} ebsd_modality_desc;

/* ---- plugin identity ---------------------------------------------------------------------- */
typedef struct ebsd_plugin_info {
  uint32_t struct_size;     /* sizeof(ebsd_plugin_info) */
  const char* name;         /* "kam": step origins and `ebsd plugins` show it */
  const char* version;      /* the plugin's own version: "1.2.0" */
  const char* description;  /* one line */
} ebsd_plugin_info;

/* ---- phases --------------------------------------------------------------------------------- */
typedef struct ebsd_phase {
  uint32_t struct_size;     /* sizeof(ebsd_phase) */
  const char* name;         /* valid until the volume changes or the callback returns */
  int32_t laue;             /* EBSD_LAUE_* */
  double lattice[6];        /* a, b, c in angstrom, alpha, beta, gamma in degrees */
} ebsd_phase;

/* ---- the registrar: what ebsd_plugin_register receives to declare things ----------------------
 * Valid only during ebsd_plugin_register; descriptors passed to it are copied at once and
 * may live on the plugin's stack. */
typedef struct ebsd_registrar {
  uint32_t struct_size;
  ebsd_registration* registration;
  /* Optional; without it the plugin is named after its file. */
  ebsd_status (*set_info)(ebsd_registration* r, const ebsd_plugin_info* info);
  /* Each returns EBSD_ERROR for a malformed descriptor; last_error says why. A failed add
   * makes the whole plugin fail to load, whatever ebsd_plugin_register returns. */
  ebsd_status (*add_step)(ebsd_registration* r, const ebsd_step_desc* step);
  ebsd_status (*add_format)(ebsd_registration* r, const ebsd_format_desc* format);
  ebsd_status (*add_modality)(ebsd_registration* r, const ebsd_modality_desc* modality);
  /* The message the host reports when ebsd_plugin_register returns EBSD_ERROR. */
  void (*set_error)(ebsd_registration* r, const char* message);
  const char* (*last_error)(ebsd_registration* r);
} ebsd_registrar;

/* ---- the host function table ---------------------------------------------------------------
 * Volumes: voxel i is x + nx * (y + ny * z) (x fastest); orientations are unit quaternions
 * (w, x, y, z), scalar first, w >= 0, passive (sample to crystal; Rowenhorst et al. 2015,
 * P = +1). Phase id k >= 1 is phase k - 1 of the volume's list; 0 means not indexed.
 * Pointers into a volume stay valid until the callback returns (a channel's pointer: until
 * the same channel is added again). Context functions must be called from the thread that
 * entered the callback; the data accessors and maths helpers may be called from any thread. */
typedef struct ebsd_host_api {
  uint32_t struct_size;
  uint32_t sdk_version;      /* the host's EBSD_SDK_VERSION */
  const char* host_version;  /* EBSD Studio version, "0.1.0" */

  /* -- the invocation context -- */
  void (*set_error)(ebsd_context* ctx, const char* message); /* then return EBSD_ERROR */
  void (*warn)(ebsd_context* ctx, const char* message);      /* a warning the user sees */
  void (*log)(ebsd_context* ctx, const char* line);          /* an informational line */
  void (*report_progress)(ebsd_context* ctx, double fraction, const char* message); /* fraction 0..1 */
  int32_t (*is_cancelled)(ebsd_context* ctx);                /* nonzero: stop, return EBSD_CANCELLED */
  /* Machine-readable results of the run (`ebsd run` prints them; the GUI shows them). */
  void (*report_number)(ebsd_context* ctx, const char* key, double value);
  void (*report_text)(ebsd_context* ctx, const char* key, const char* value);
  /* A new volume with every voxel invalid, identity orientation, phase 0. For readers and
   * source steps; it becomes the result when the callback returns EBSD_OK. Calling it again
   * replaces the previous one. NULL (with the error set) for bad dims or spacing. */
  ebsd_volume* (*create_volume)(ebsd_context* ctx, const int64_t dims[3], const double spacing[3]);

  /* -- parameter values (every declared parameter has one; EBSD_ERROR for an unknown name
   *    or a type that does not match); strings stay valid during the callback -- */
  ebsd_status (*param_bool)(const ebsd_params* p, const char* name, int32_t* out);
  ebsd_status (*param_int)(const ebsd_params* p, const char* name, int64_t* out);
  ebsd_status (*param_float)(const ebsd_params* p, const char* name, double* out);
  ebsd_status (*param_string)(const ebsd_params* p, const char* name, const char** out);
  ebsd_status (*param_count)(const ebsd_params* p, const char* name, size_t* out); /* list length */
  ebsd_status (*param_int_at)(const ebsd_params* p, const char* name, size_t index, int64_t* out);
  ebsd_status (*param_float_at)(const ebsd_params* p, const char* name, size_t index, double* out);
  ebsd_status (*param_string_at)(const ebsd_params* p, const char* name, size_t index, const char** out);

  /* -- preflight shape -- */
  int32_t (*shape_has_volume)(const ebsd_shape* s);
  int32_t (*shape_is_known)(const ebsd_shape* s); /* dims and channels below are exact */
  void (*shape_dims)(const ebsd_shape* s, int64_t out[3]);
  int32_t (*shape_may_have_channel)(const ebsd_shape* s, const char* name); /* 0 only when known absent */
  int32_t (*shape_has_grain_ids)(const ebsd_shape* s);
  void (*shape_add_channel)(ebsd_shape* s, const char* name);
  /* For source steps: a volume will exist; dims are exact when known is nonzero. */
  void (*shape_set_volume)(ebsd_shape* s, int32_t known, const int64_t dims[3]);

  /* -- volume geometry -- */
  void (*volume_dims)(const ebsd_volume* v, int64_t out[3]);
  void (*volume_spacing)(const ebsd_volume* v, double out[3]);
  void (*volume_origin)(const ebsd_volume* v, double out[3]);
  ebsd_status (*volume_set_spacing)(ebsd_volume* v, const double spacing[3]); /* all > 0 */
  void (*volume_set_origin)(ebsd_volume* v, const double origin[3]);
  const char* (*volume_length_unit)(const ebsd_volume* v);

  /* -- per-voxel data (voxel_count elements; orientations 4 * voxel_count) -- */
  const float* (*volume_orientations)(const ebsd_volume* v);
  float* (*volume_orientations_mut)(ebsd_volume* v); /* write unit quaternions with w >= 0 */
  const int32_t* (*volume_phase_ids)(const ebsd_volume* v);
  int32_t* (*volume_phase_ids_mut)(ebsd_volume* v);
  const uint8_t* (*volume_valid)(const ebsd_volume* v); /* 1 = indexed and trusted */
  uint8_t* (*volume_valid_mut)(ebsd_volume* v);
  const float* (*volume_confidence)(const ebsd_volume* v);
  float* (*volume_confidence_mut)(ebsd_volume* v);
  const float* (*volume_image_quality)(const ebsd_volume* v);
  float* (*volume_image_quality_mut)(ebsd_volume* v);
  const int32_t* (*volume_grain_ids)(const ebsd_volume* v); /* NULL until segmented */
  ebsd_status (*volume_set_grain_ids)(ebsd_volume* v, const int32_t* ids, int64_t count);

  /* -- phases -- */
  uint32_t (*volume_phase_count)(const ebsd_volume* v);
  ebsd_status (*volume_phase)(const ebsd_volume* v, uint32_t index, ebsd_phase* out); /* index = id - 1 */
  ebsd_status (*volume_add_phase)(ebsd_volume* v, const ebsd_phase* phase);           /* gets id count */

  /* -- named float channels (side modalities, maps) -- */
  uint32_t (*volume_channel_count)(const ebsd_volume* v);
  const char* (*volume_channel_name)(const ebsd_volume* v, uint32_t index);
  const float* (*volume_channel)(const ebsd_volume* v, const char* name); /* NULL when absent */
  const char* (*volume_channel_unit)(const ebsd_volume* v, const char* name);
  /* Adds (or replaces) a channel filled with zeros and returns its values; NULL with the
   * context's error set for an empty name. */
  float* (*volume_add_channel)(ebsd_volume* v, const char* name, const char* unit, const char* description);

  /* -- orientation maths, with the host's conventions and symmetry operators -- */
  /* The smallest rotation angle (radians, [0, pi]) between a and b over the Laue group's
   * symmetry; float (w, x, y, z) as stored in volumes. */
  double (*disorientation_angle)(const float a[4], const float b[4], int32_t laue);
  uint32_t (*symmetry_operator_count)(int32_t laue); /* 1, 2, 4, 4, 8, 3, 6, 6, 12, 12, 24; 0 if unknown */
  void (*symmetry_operator)(int32_t laue, uint32_t index, double out[4]); /* identity first */
  /* Coordinates of v after the passive rotation q: for an orientation, sample -> crystal. */
  void (*rotate_vector)(const double q[4], const double v[3], double out[3]);
  void (*reduce_to_fundamental_zone)(const double q[4], int32_t laue, double out[4]);
  const char* (*laue_symbol)(int32_t laue); /* "m-3m"; "" if unknown */

  /* -- images for modality readers -- */
  /* Appends a page of width x height pixels (row-major, top row first) and returns its
   * values to fill with the stored grey levels; bits is 8 or 16 (the stored depth). NULL
   * with the context's error set for an absurd size. */
  float* (*image_add_page)(ebsd_image_sink* sink, int64_t width, int64_t height, int32_t bits);
} ebsd_host_api;

/* Nonzero when the host table has `member` (a plugin built against a newer minor checks
 * functions added after the host's version this way). */
#define EBSD_HOST_HAS(host, member) \
  ((host)->struct_size >= offsetof(ebsd_host_api, member) + sizeof((host)->member) && (host)->member != NULL)

/* ---- the entry points a plugin defines ------------------------------------------------------- */
typedef uint32_t (*ebsd_plugin_sdk_version_fn)(void);
typedef ebsd_status (*ebsd_plugin_register_fn)(const ebsd_host_api* host, const ebsd_registrar* registrar);

EBSD_PLUGIN_EXPORT uint32_t ebsd_plugin_sdk_version(void);
EBSD_PLUGIN_EXPORT ebsd_status ebsd_plugin_register(const ebsd_host_api* host, const ebsd_registrar* registrar);

/* Defines ebsd_plugin_sdk_version() for a C plugin: write EBSD_PLUGIN_DEFINE_SDK_VERSION()
 * once in one source file. */
#define EBSD_PLUGIN_DEFINE_SDK_VERSION() \
  EBSD_PLUGIN_EXPORT uint32_t ebsd_plugin_sdk_version(void) { return EBSD_SDK_VERSION; }

#ifdef __cplusplus
}
#endif

#endif /* EBSD_SDK_EBSD_PLUGIN_H */
