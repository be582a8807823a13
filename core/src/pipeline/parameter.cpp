#include "ebsd/pipeline/parameter.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>

namespace ebsd::pipeline {
namespace {

using nlohmann::json;

struct TypeName {
  ParamType type;
  const char* name;
};
constexpr TypeName kTypeNames[] = {
    {ParamType::Bool, "bool"},           {ParamType::Int, "int"},
    {ParamType::Float, "float"},         {ParamType::String, "string"},
    {ParamType::Choice, "choice"},       {ParamType::InputPath, "input-path"},
    {ParamType::InputPaths, "input-paths"}, {ParamType::OutputPath, "output-path"},
    {ParamType::IntList, "int-list"},    {ParamType::FloatList, "float-list"},
    {ParamType::StringList, "string-list"},
};

std::string format_number(double x) {
  std::ostringstream s;
  s << x;
  return s.str();
}

std::string range_text(const ParameterSpec& s) {
  if (s.min && s.max) return " in [" + format_number(*s.min) + ", " + format_number(*s.max) + "]";
  if (s.min) return " >= " + format_number(*s.min);
  if (s.max) return " <= " + format_number(*s.max);
  return "";
}

[[noreturn]] void bad(const ParameterSpec& s, const std::string& expected, const json& got) {
  std::string shown = got.dump();
  if (shown.size() > 60) shown = shown.substr(0, 57) + "...";
  throw Error("expected " + expected + ", got " + shown, "", "parameter '" + s.name + "'");
}

double check_number(const ParameterSpec& s, const json& v, bool integer, const std::string& what) {
  if (!v.is_number()) bad(s, what, v);
  const double x = v.get<double>();
  if (!std::isfinite(x)) bad(s, "a finite number", v);
  if (integer && (!v.is_number_integer() && std::floor(x) != x)) bad(s, what, v);
  if ((s.min && x < *s.min) || (s.max && x > *s.max)) bad(s, what, v);
  return x;
}

json check_list(const ParameterSpec& s, const json& v, bool integer) {
  const std::string what = std::string("a list of ") + (integer ? "integers" : "numbers") + range_text(s) +
                           (s.list_size ? " with " + std::to_string(*s.list_size) + " elements" : "");
  json list = v.is_array() ? v : json::array({v});
  // An empty list is how an optional list parameter (default []) says "not given".
  if (list.empty() && s.default_value.is_array() && s.default_value.empty()) return list;
  if (s.list_size && list.size() != *s.list_size) bad(s, what, v);
  json out = json::array();
  for (const auto& e : list) {
    const double x = check_number(s, e, integer, what);
    if (integer)
      out.push_back(static_cast<std::int64_t>(x));
    else
      out.push_back(x);
  }
  return out;
}

std::string trim(std::string t) {
  const auto a = t.find_first_not_of(" \t");
  const auto b = t.find_last_not_of(" \t");
  return a == std::string::npos ? std::string() : t.substr(a, b - a + 1);
}

// Splits "1,2, 3" on commas; "10-12" expands to 10,11,12 for integer lists.
json parse_number_list(const ParameterSpec& s, const std::string& text, bool integer) {
  json out = json::array();
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, ',')) {
    item = trim(item);
    if (item.empty()) bad(s, "a comma-separated list of numbers", text);
    const auto dash = item.find('-', 1);
    if (integer && dash != std::string::npos) {
      std::int64_t a = 0, b = 0;
      const auto ra = std::from_chars(item.data(), item.data() + dash, a);
      const auto rb = std::from_chars(item.data() + dash + 1, item.data() + item.size(), b);
      if (ra.ec != std::errc{} || ra.ptr != item.data() + dash || rb.ec != std::errc{} ||
          rb.ptr != item.data() + item.size() || b < a || b - a > 1'000'000)
        bad(s, "a list of integers or ranges like 10-12", text);
      for (std::int64_t i = a; i <= b; ++i) out.push_back(i);
      continue;
    }
    try {
      std::size_t used = 0;
      if (integer) {
        const long long x = std::stoll(item, &used);
        if (used != item.size()) throw std::invalid_argument(item);
        out.push_back(static_cast<std::int64_t>(x));
        continue;
      }
      const double x = std::stod(item, &used);
      if (used != item.size()) throw std::invalid_argument(item);
      out.push_back(x);
    } catch (const std::exception&) {
      bad(s, "a comma-separated list of numbers", text);
    }
  }
  return out;
}

}  // namespace

std::string to_string(ParamType t) {
  for (const auto& n : kTypeNames)
    if (n.type == t) return n.name;
  return "?";
}

std::optional<ParamType> param_type_from_string(const std::string& s) {
  for (const auto& n : kTypeNames)
    if (s == n.name) return n.type;
  return std::nullopt;
}

json ParameterSpec::to_json() const {
  json j{{"name", name}, {"type", pipeline::to_string(type)}, {"default", default_value}, {"required", required()},
         {"unit", unit}, {"help", help}};
  if (min) j["min"] = *min;
  if (max) j["max"] = *max;
  if (!choices.empty()) j["choices"] = choices;
  if (list_size) j["list_size"] = *list_size;
  return j;
}

ParameterSpec ParameterSpec::from_json(const json& j) {
  if (!j.is_object() || !j.contains("name") || !j["name"].is_string())
    throw Error("a parameter needs a string 'name'", "", "parameter");
  ParameterSpec s;
  s.name = j["name"].get<std::string>();
  const auto type = param_type_from_string(j.value("type", std::string("string")));
  if (!type) throw Error("unknown type '" + j.value("type", std::string()) + "'", "", "parameter '" + s.name + "'");
  s.type = *type;
  s.default_value = j.value("default", json());
  if (j.contains("min") && j["min"].is_number()) s.min = j["min"].get<double>();
  if (j.contains("max") && j["max"].is_number()) s.max = j["max"].get<double>();
  if (j.contains("choices")) s.choices = j["choices"].get<std::vector<std::string>>();
  if (j.contains("list_size")) s.list_size = j["list_size"].get<std::size_t>();
  s.unit = j.value("unit", std::string());
  s.help = j.value("help", std::string());
  return s;
}

json check_value(const ParameterSpec& s, const json& v) {
  switch (s.type) {
    case ParamType::Bool:
      if (!v.is_boolean()) bad(s, "true or false", v);
      return v;
    case ParamType::Int: {
      const double x = check_number(s, v, true, "an integer" + range_text(s));
      return static_cast<std::int64_t>(x);
    }
    case ParamType::Float:
      return check_number(s, v, false, "a number" + range_text(s));
    case ParamType::String:
      if (!v.is_string()) bad(s, "text", v);
      return v;
    case ParamType::Choice: {
      std::string all;
      for (const auto& c : s.choices) all += (all.empty() ? "" : "|") + c;
      if (!v.is_string()) bad(s, "one of " + all, v);
      for (const auto& c : s.choices)
        if (c == v.get<std::string>()) return v;
      bad(s, "one of " + all, v);
    }
    case ParamType::InputPath:
    case ParamType::OutputPath:
      if (!v.is_string() || v.get<std::string>().empty()) bad(s, "a file path", v);
      return v;
    case ParamType::InputPaths: {
      json list = v.is_array() ? v : json::array({v});
      if (list.empty()) bad(s, "one or more file paths or patterns", v);
      for (const auto& e : list)
        if (!e.is_string() || e.get<std::string>().empty()) bad(s, "one or more file paths or patterns", v);
      return list;
    }
    case ParamType::IntList:
      return check_list(s, v, true);
    case ParamType::FloatList:
      return check_list(s, v, false);
    case ParamType::StringList: {
      std::string all;
      for (const auto& c : s.choices) all += (all.empty() ? "" : ", ") + c;
      const std::string what = s.choices.empty() ? "a list of names" : "a list of names from " + all;
      json list = v.is_array() ? v : json::array({v});
      for (const auto& e : list) {
        if (!e.is_string() || e.get<std::string>().empty()) bad(s, what, v);
        if (!s.choices.empty() && std::find(s.choices.begin(), s.choices.end(), e.get<std::string>()) == s.choices.end())
          bad(s, what, v);
      }
      return list;
    }
  }
  bad(s, "a known parameter type", v);
}

json parse_value_text(const ParameterSpec& s, const std::string& text) {
  switch (s.type) {
    case ParamType::Bool: {
      if (text == "true" || text == "1" || text == "yes" || text == "on") return true;
      if (text == "false" || text == "0" || text == "no" || text == "off") return false;
      bad(s, "true or false", text);
    }
    case ParamType::Int:
    case ParamType::Float: {
      try {
        std::size_t used = 0;
        const std::string t = trim(text);
        if (s.type == ParamType::Int) {
          const long long x = std::stoll(t, &used);
          if (used == t.size()) return check_value(s, static_cast<std::int64_t>(x));
        } else {
          const double x = std::stod(t, &used);
          if (used == t.size()) return check_value(s, x);
        }
      } catch (const Error&) {
        throw;
      } catch (const std::exception&) {
      }
      bad(s, s.type == ParamType::Int ? "an integer" + range_text(s) : "a number" + range_text(s), text);
    }
    case ParamType::IntList:
      if (!text.empty() && text.front() == '[') return check_value(s, json::parse(text, nullptr, false));
      return check_value(s, parse_number_list(s, text, true));
    case ParamType::FloatList:
      if (!text.empty() && text.front() == '[') return check_value(s, json::parse(text, nullptr, false));
      return check_value(s, parse_number_list(s, text, false));
    case ParamType::StringList: {
      json list = json::array();
      std::stringstream ss(text);
      std::string item;
      while (std::getline(ss, item, ','))
        if (!trim(item).empty()) list.push_back(trim(item));
      return check_value(s, list);
    }
    case ParamType::InputPaths: {
      json list = json::array();
      std::stringstream ss(text);
      std::string item;
      // Several paths separated by ';' (a shell already split space-separated arguments).
      while (std::getline(ss, item, ';'))
        if (!trim(item).empty()) list.push_back(trim(item));
      return check_value(s, list);
    }
    default:
      return check_value(s, text);
  }
}

const json& ParameterValues::at(const std::string& name) const {
  if (!values_.contains(name)) throw Error("the step asked for an undeclared parameter", "", "parameter '" + name + "'");
  return values_[name];
}

bool ParameterValues::get_bool(const std::string& name) const { return at(name).get<bool>(); }
std::int64_t ParameterValues::get_int(const std::string& name) const { return at(name).get<std::int64_t>(); }
double ParameterValues::get_double(const std::string& name) const { return at(name).get<double>(); }
std::string ParameterValues::get_string(const std::string& name) const {
  const auto& v = at(name);
  return v.is_null() ? std::string() : v.get<std::string>();
}
std::vector<std::string> ParameterValues::get_strings(const std::string& name) const {
  const auto& v = at(name);
  if (v.is_null()) return {};
  if (v.is_string()) return {v.get<std::string>()};
  return v.get<std::vector<std::string>>();
}
std::vector<std::int64_t> ParameterValues::get_int_list(const std::string& name) const {
  const auto& v = at(name);
  return v.is_null() ? std::vector<std::int64_t>{} : v.get<std::vector<std::int64_t>>();
}
std::vector<double> ParameterValues::get_double_list(const std::string& name) const {
  const auto& v = at(name);
  return v.is_null() ? std::vector<double>{} : v.get<std::vector<double>>();
}

ParameterValues resolve_parameters(const std::vector<ParameterSpec>& specs, const json& given,
                                   const std::string& place) {
  if (!given.is_null() && !given.is_object()) throw Error("'params' must be an object", "", place);
  ParameterValues out;
  if (given.is_object()) {
    for (const auto& [name, value] : given.items()) {
      bool known = false;
      for (const auto& s : specs) known = known || s.name == name;
      if (!known) {
        std::string names;
        for (const auto& s : specs) names += (names.empty() ? "" : ", ") + s.name;
        throw Error("unknown parameter '" + name + "' (known: " + (names.empty() ? "none" : names) + ")", "", place);
      }
    }
  }
  for (const auto& s : specs) {
    const bool present = given.is_object() && given.contains(s.name) && !given[s.name].is_null();
    if (!present) {
      if (s.required()) throw Error("parameter '" + s.name + "' is required (" + s.help + ")", "", place);
      // Optional parameters whose default is "" or [] stay as declared; others are checked
      // like any value so a declaration with a bad default fails loudly.
      out.values_[s.name] = s.default_value;
      continue;
    }
    try {
      out.values_[s.name] = check_value(s, given[s.name]);
    } catch (const Error& e) {
      throw Error(e.problem(), "", place + ", " + e.place());
    }
  }
  return out;
}

}  // namespace ebsd::pipeline
