// `ebsd orient`: a small orientation calculator over core/orientation (conversions,
// disorientation, IPF colour, colour key).
#include <cmath>
#include <cstdio>
#include <iostream>
#include <numbers>

#include "cli_support.hpp"
#include "commands.hpp"
#include "ebsd/core/error.hpp"
#include "ebsd/io/png.hpp"
#include "ebsd/orientation/disorientation.hpp"
#include "ebsd/orientation/ipf.hpp"
#include "ebsd/orientation/rotations.hpp"

namespace ebsd::cli {
namespace {

constexpr double kDeg = std::numbers::pi / 180.0;

struct OrientationArgs {
  std::vector<std::string> euler_deg, euler_rad, quat;
};

void add_orientation_options(CLI::App* sub, OrientationArgs& a) {
  sub->add_option("--euler-deg", a.euler_deg, "Bunge Euler angles phi1,Phi,phi2 in degrees (repeatable)");
  sub->add_option("--euler", a.euler_rad, "Bunge Euler angles phi1,Phi,phi2 in radians (repeatable)");
  sub->add_option("--quat", a.quat, "Unit quaternion w,x,y,z, scalar first (within 1 % of unit length; repeatable)");
}

// Collects the orientations given in one form, in command-line order.
std::vector<Quat> collect(const OrientationArgs& a, const std::string& cmd, std::size_t expected) {
  const int forms = !a.euler_deg.empty() + !a.euler_rad.empty() + !a.quat.empty();
  if (forms > 1) throw UsageError(cmd, "give all orientations in one form (--euler-deg, --euler or --quat)");
  std::vector<Quat> out;
  for (const auto& s : a.euler_deg) out.push_back(quat_from_components(Representation::EulerDeg, parse_double_list(s, cmd, "--euler-deg")));
  for (const auto& s : a.euler_rad) out.push_back(quat_from_components(Representation::EulerRad, parse_double_list(s, cmd, "--euler")));
  for (const auto& s : a.quat) {
    // People type rounded quaternions (0.7071,0,0,-0.7071): accept up to 1 % off unit length and
    // normalise; the library itself insists on 1e-6.
    auto c = parse_double_list(s, cmd, "--quat");
    if (c.size() != 4) throw UsageError(cmd, "--quat: expected w,x,y,z, got '" + s + "'");
    const double n = std::sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2] + c[3] * c[3]);
    if (std::fabs(n - 1.0) > 0.01) throw Error("quaternion has length " + std::to_string(n) + ", expected 1", "--quat", s);
    for (auto& v : c) v /= n;
    out.push_back(quat_from_components(Representation::Quaternion, c));
  }
  if (out.size() != expected)
    throw UsageError(cmd, "expected " + std::to_string(expected) + " orientation(s), got " + std::to_string(out.size()));
  return out;
}

// Adding 0.0 turns -0.0 into +0.0, so an axis prints as [0 0 1], not [-0 -0 1].
Eigen::Vector3d unsigned_zero(const Eigen::Vector3d& v) { return v + Eigen::Vector3d::Zero(); }
nlohmann::json vec_json(const Eigen::Vector3d& v) {
  const Eigen::Vector3d u = unsigned_zero(v);
  return nlohmann::json::array({u.x(), u.y(), u.z()});
}

}  // namespace

void register_orient(CLI::App& app, CommandList& out) {
  auto* orient = app.add_subcommand("orient", "Orientation calculator: convert, disorientation, IPF colour, colour key");
  orient->require_subcommand(1);

  // --- convert ---
  struct ConvertArgs {
    std::string from = "euler-deg", to = "all", values;
    bool json = false;
  };
  auto conv = std::make_shared<ConvertArgs>();
  auto* c = orient->add_subcommand("convert", "Convert an orientation between representations (Rowenhorst et al. 2015, passive, P=+1)");
  c->add_option("--from", conv->from, "Input representation: euler, euler-deg, om, ax, ax-deg, ro, qu, ho, cu")->capture_default_str();
  c->add_option("--to", conv->to, "Output representation, or 'all'")->capture_default_str();
  c->add_option("values", conv->values, "Comma-separated components (om: 9 values row-major)")->required();
  c->add_flag("--json", conv->json, "Print JSON");
  out.push_back({c, [conv]() {
                   const auto from = representation_from_name(conv->from);
                   const Quat q = quat_from_components(from, parse_double_list(conv->values, "orient convert", "values"));
                   std::vector<Representation> targets;
                   if (conv->to == "all") {
                     for (auto r : {Representation::EulerDeg, Representation::EulerRad, Representation::Matrix,
                                    Representation::AxisAngleDeg, Representation::Rodrigues, Representation::Quaternion,
                                    Representation::Homochoric, Representation::Cubochoric})
                       targets.push_back(r);
                   } else {
                     targets.push_back(representation_from_name(conv->to));
                   }
                   nlohmann::json j;
                   j["from"] = conv->from;
                   j["input"] = parse_double_list(conv->values, "orient convert", "values");
                   for (auto r : targets) {
                     const auto comps = components_from_quat(r, q);
                     j["outputs"][std::string(representation_name(r))] = comps;
                     if (!conv->json) {
                       std::printf("%-9s", std::string(representation_name(r)).c_str());
                       for (double v : comps) std::printf(" %.9g", v);
                       std::printf("\n");
                     }
                   }
                   if (conv->json) print_json(j);
                   return 0;
                 }});

  // --- disorientation ---
  struct DisArgs {
    std::string laue = "m-3m";
    OrientationArgs o;
    bool json = false;
  };
  auto dis = std::make_shared<DisArgs>();
  auto* d = orient->add_subcommand("disorientation", "Disorientation angle (degrees) and axis between two orientations");
  d->add_option("--laue", dis->laue, "Laue group of both orientations (e.g. m-3m, 6/mmm)")->capture_default_str();
  add_orientation_options(d, dis->o);
  d->add_flag("--json", dis->json, "Print JSON");
  out.push_back({d, [dis]() {
                   const LaueGroup g = laue_from_symbol(dis->laue);
                   const auto qs = collect(dis->o, "orient disorientation", 2);
                   const Disorientation r = disorientation(qs[0], qs[1], g);
                   if (dis->json) {
                     print_json({{"laue", std::string(laue_symbol(g))}, {"angle_deg", r.angle / kDeg}, {"axis", vec_json(r.axis)}});
                   } else {
                     const Eigen::Vector3d ax = unsigned_zero(r.axis);
                     std::printf("%.6f deg about [%.6f %.6f %.6f]\n", r.angle / kDeg, ax.x(), ax.y(), ax.z());
                   }
                   return 0;
                 }});

  // --- ipf ---
  struct IpfArgs {
    std::string laue = "m-3m", direction = "0,0,1";
    OrientationArgs o;
    bool json = false;
  };
  auto ipf = std::make_shared<IpfArgs>();
  auto* i = orient->add_subcommand("ipf", "IPF colour (RGB 0-255) of an orientation along a sample direction");
  i->add_option("--laue", ipf->laue, "Laue group")->capture_default_str();
  i->add_option("--direction", ipf->direction, "Sample direction x,y,z")->capture_default_str();
  add_orientation_options(i, ipf->o);
  i->add_flag("--json", ipf->json, "Print JSON");
  out.push_back({i, [ipf]() {
                   const LaueGroup g = laue_from_symbol(ipf->laue);
                   const auto t = parse_triple(ipf->direction, "orient ipf", "--direction");
                   const Eigen::Vector3d dir(t[0], t[1], t[2]);
                   if (!(dir.norm() > 0)) throw UsageError("orient ipf", "--direction must not be zero");
                   const auto q = collect(ipf->o, "orient ipf", 1)[0];
                   const auto rgb = ipf_color(q, dir.normalized(), g);
                   const auto h = ipf_direction(q, dir.normalized(), g);
                   if (ipf->json) {
                     print_json({{"laue", std::string(laue_symbol(g))},
                                 {"direction", vec_json(dir.normalized())},
                                 {"crystal_direction", vec_json(h)},
                                 {"rgb", {rgb[0], rgb[1], rgb[2]}}});
                   } else {
                     std::printf("%d %d %d\n", rgb[0], rgb[1], rgb[2]);
                   }
                   return 0;
                 }});

  // --- key ---
  struct KeyArgs {
    std::string laue = "m-3m", output;
    int size = 256;
  };
  auto key = std::make_shared<KeyArgs>();
  auto* k = orient->add_subcommand("key", "Write the IPF colour key of a Laue group as a PNG");
  k->add_option("--laue", key->laue, "Laue group")->capture_default_str();
  k->add_option("-o,--output", key->output, "Output PNG")->required();
  k->add_option("--size", key->size, "Image width in pixels")->capture_default_str()->check(CLI::Range(32, 4096));
  out.push_back({k, [key]() {
                   io::write_png(key->output, ipf_key_image(laue_from_symbol(key->laue), key->size));
                   return 0;
                 }});
}

}  // namespace ebsd::cli
