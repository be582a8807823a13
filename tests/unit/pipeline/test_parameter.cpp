// Parameter declarations and values: what the CLI, pipeline files and GUI forms all rely on.
#include <gtest/gtest.h>

#include "ebsd/pipeline/parameter.hpp"

namespace {

using namespace ebsd::pipeline;
using nlohmann::json;

ParameterSpec spec(std::string name, ParamType t, json def) {
  ParameterSpec s;
  s.name = std::move(name);
  s.type = t;
  s.default_value = std::move(def);
  return s;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const ebsd::Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(Parameter, NumbersAreCheckedAgainstTheirRange) {
  auto s = spec("threshold_deg", ParamType::Float, 5.0);
  s.min = 0;
  s.max = 180;
  EXPECT_DOUBLE_EQ(check_value(s, 12).get<double>(), 12.0);
  EXPECT_NE(error_of([&] { check_value(s, 181); }).find("expected a number in [0, 180], got 181"), std::string::npos);
  EXPECT_NE(error_of([&] { check_value(s, "12"); }).find("parameter 'threshold_deg'"), std::string::npos);
  auto i = spec("n", ParamType::Int, 1);
  i.min = 1;
  EXPECT_EQ(check_value(i, 3.0).get<std::int64_t>(), 3);  // a whole float is an integer
  EXPECT_NE(error_of([&] { check_value(i, 2.5); }), "no error");
  EXPECT_NE(error_of([&] { check_value(i, 0); }), "no error");
}

TEST(Parameter, TextFormsBecomeTypedValues) {
  auto b = spec("flag", ParamType::Bool, false);
  EXPECT_EQ(parse_value_text(b, "true"), json(true));
  EXPECT_EQ(parse_value_text(b, "off"), json(false));
  EXPECT_NE(error_of([&] { parse_value_text(b, "maybe"); }), "no error");
  auto l = spec("slices", ParamType::IntList, json::array());
  EXPECT_EQ(parse_value_text(l, "3,10-12"), json({3, 10, 11, 12}));
  EXPECT_EQ(parse_value_text(l, "[1, 2]"), json({1, 2}));
  EXPECT_NE(error_of([&] { parse_value_text(l, "3,x"); }), "no error");
  auto f = spec("affine", ParamType::FloatList, json::array());
  f.list_size = 6;
  EXPECT_EQ(parse_value_text(f, "1,0,0,0,1,0").size(), 6u);
  EXPECT_NE(error_of([&] { parse_value_text(f, "1,0,0"); }).find("6 elements"), std::string::npos);
  auto c = spec("axis", ParamType::Choice, "z");
  c.choices = {"x", "y", "z"};
  EXPECT_EQ(parse_value_text(c, "y"), json("y"));
  EXPECT_NE(error_of([&] { parse_value_text(c, "w"); }).find("one of x|y|z"), std::string::npos);
  auto n = spec("sides", ParamType::StringList, json::array());
  n.choices = {"pl", "bse"};
  EXPECT_EQ(parse_value_text(n, "pl,bse"), json({"pl", "bse"}));
  EXPECT_NE(error_of([&] { parse_value_text(n, "pl,xray"); }), "no error");
  auto p = spec("paths", ParamType::InputPaths, nullptr);
  EXPECT_EQ(parse_value_text(p, "a.ang;b.ang"), json({"a.ang", "b.ang"}));
  EXPECT_EQ(check_value(p, "S*.ang"), json({"S*.ang"}));
}

TEST(Parameter, ResolveFillsDefaultsAndRejectsUnknownOrMissing) {
  std::vector<ParameterSpec> specs{spec("path", ParamType::OutputPath, nullptr), spec("index", ParamType::Int, 0)};
  const auto v = resolve_parameters(specs, json{{"path", "a.png"}}, "step 1 (x)");
  EXPECT_EQ(v.get_string("path"), "a.png");
  EXPECT_EQ(v.get_int("index"), 0);
  EXPECT_EQ(v.json().size(), 2u);
  EXPECT_NE(error_of([&] { resolve_parameters(specs, json::object(), "step 1 (x)"); }).find("'path' is required"),
            std::string::npos);
  const auto unknown = error_of([&] { resolve_parameters(specs, json{{"path", "a"}, {"indx", 2}}, "step 1 (x)"); });
  EXPECT_NE(unknown.find("unknown parameter 'indx' (known: path, index)"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("step 1 (x)"), std::string::npos);
  EXPECT_THROW(v.get_int("nope"), ebsd::Error);
}

TEST(Parameter, DeclarationsRoundTripThroughJson) {
  auto s = spec("tolerance_deg", ParamType::Float, 5.0);
  s.min = 0;
  s.max = 180;
  s.unit = "deg";
  s.help = "h";
  const auto back = ParameterSpec::from_json(s.to_json());
  EXPECT_EQ(back.name, s.name);
  EXPECT_EQ(back.type, s.type);
  EXPECT_EQ(back.default_value, s.default_value);
  EXPECT_EQ(back.min, s.min);
  EXPECT_EQ(back.max, s.max);
  EXPECT_EQ(back.unit, "deg");
  for (int t = 0; t <= static_cast<int>(ParamType::StringList); ++t)
    EXPECT_EQ(param_type_from_string(to_string(static_cast<ParamType>(t))), static_cast<ParamType>(t));
}

}  // namespace
