#include "commands/project_config.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <fstream>
#include <sstream>

#include "model/catalog.h"
#include "protocol/config.h"
#include "supervisor/module_args.h"
#include "protocol/usage_error.h"

namespace isocheck {

namespace fs = std::filesystem;

namespace {

std::string_view type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date:
    case toml::node_type::time:
    case toml::node_type::date_time: return "a date/time";
    default: return "nothing";
  }
}

class KeyReader {
 public:
  KeyReader(std::string label, fs::path base_dir) : label_(std::move(label)), base_dir_(std::move(base_dir)) {}

  [[noreturn]] void fail(std::string_view key, const std::string& why) const {
    throw UsageError(fmt::format("{}: [tool.isocheck] {} {}", label_, key, why));
  }

  [[noreturn]] void unknown(std::string_view key) const {
    throw UsageError(fmt::format("{}: [tool.isocheck] unknown key '{}' (known: modules, paths, exercise, checks, "
                                 "configs, pythons, require, baseline, timeout, cycles, jobs)",
                                 label_, key));
  }

  std::string string(std::string_view key, const toml::node& node) const {
    if (!node.is_string()) fail(key, fmt::format("must be a string, not {}", type_name(node)));
    return *node.value<std::string>();
  }

  std::vector<std::string> strings(std::string_view key, const toml::node& node) const {
    const toml::array* array = node.as_array();
    if (array == nullptr) fail(key, fmt::format("must be an array of strings, not {}", type_name(node)));
    std::vector<std::string> values;
    for (const toml::node& item : *array) {
      if (!item.is_string()) fail(key, fmt::format("must be an array of strings, but holds {}", type_name(item)));
      values.push_back(*item.value<std::string>());
    }
    return values;
  }

  std::string path(std::string_view key, const toml::node& node) const { return absolute(string(key, node)); }

  std::string absolute(const std::string& p) const { return (base_dir_ / p).lexically_normal().string(); }

  std::vector<std::string> configs(std::string_view key, const toml::node& node) const {
    std::vector<std::string> names = strings(key, node);
    for (const std::string& name : names) {
      if (!parse_config(name)) fail(key, fmt::format("has unknown config '{}' (known: main, legacy, isolated)", name));
    }
    return names;
  }

  long long integer(std::string_view key, const toml::node& node, long long low, long long high) const {
    if (!node.is_integer()) fail(key, fmt::format("must be an integer, not {}", type_name(node)));
    const long long v = *node.value<long long>();
    if (v < low || v > high) fail(key, fmt::format("must be between {} and {}, not {}", low, high, v));
    return v;
  }

 private:
  std::string label_;
  fs::path base_dir_;
};

void read_key(const KeyReader& r, std::string_view key, const toml::node& node, ProjectConfig& c) {
  if (key == "modules") {
    c.modules = r.strings(key, node);
    if (c.modules.empty()) r.fail(key, "must name at least one module");
  } else if (key == "paths") {
    std::vector<std::string> paths = r.strings(key, node);
    for (std::string& p : paths) {
      // "3.13:DIR" is DIR for Python 3.13 only (module_args.h); the directory is what is relative.
      const auto [selector, dir] = split_python_selector(p);
      p = selector.empty() ? r.absolute(p) : fmt::format("{}:{}", selector, r.absolute(std::string(dir)));
    }
    c.paths = std::move(paths);
  } else if (key == "exercise") {
    c.exercise = r.path(key, node);
  } else if (key == "checks") {
    c.checks = r.strings(key, node);
    for (const std::string& id : *c.checks) {
      if (find_check(id) == nullptr) r.fail(key, fmt::format("has unknown check '{}' (isocheck list-checks)", id));
    }
  } else if (key == "configs") {
    c.configs = r.configs(key, node);
  } else if (key == "require") {
    c.require = r.configs(key, node);
  } else if (key == "pythons") {
    std::vector<std::string> pythons = r.strings(key, node);
    for (std::string& p : pythons) {
      if (p.find('/') != std::string::npos) p = r.absolute(p);  // an executable, not a version
    }
    c.pythons = std::move(pythons);
  } else if (key == "baseline") {
    c.baseline = r.path(key, node);
  } else if (key == "timeout") {
    if (!node.is_number()) r.fail(key, fmt::format("must be a number of seconds, not {}", type_name(node)));
    c.timeout = *node.value<double>();
    if (!(*c.timeout > 0)) r.fail(key, "must be a positive number of seconds");
  } else if (key == "cycles") {
    c.cycles = static_cast<int>(r.integer(key, node, 1, 100000));
  } else if (key == "jobs") {
    c.jobs = static_cast<int>(r.integer(key, node, 1, 1024));
  } else {
    r.unknown(key);
  }
}

}  // namespace

ProjectConfig parse_project_config(std::string_view toml_text, const std::string& label, const fs::path& base_dir) {
  toml::table doc;
  try {
    doc = toml::parse(toml_text, label);
  } catch (const toml::parse_error& e) {
    throw UsageError(fmt::format("{}:{}:{}: not valid TOML: {}", label, e.source().begin.line,
                                 e.source().begin.column, e.description()));
  }
  ProjectConfig config;
  const toml::node* section = doc.at_path("tool.isocheck").node();
  if (section == nullptr) return config;
  const toml::table* table = section->as_table();
  if (table == nullptr) throw UsageError(fmt::format("{}: [tool.isocheck] must be a table", label));
  const KeyReader reader(label, base_dir);
  for (const auto& [key, node] : *table) {
    read_key(reader, key.str(), node, config);
  }
  return config;
}

ProjectConfig load_project_config(const fs::path& dir) {
  const fs::path file = dir / kProjectConfigFile;
  std::error_code ec;
  if (!fs::exists(file, ec)) return {};
  std::ifstream in(file, std::ios::binary);
  if (!in || fs::is_directory(file, ec)) throw UsageError(fmt::format("{}: cannot read it", kProjectConfigFile));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_project_config(text.str(), kProjectConfigFile, fs::absolute(dir));
}

}  // namespace isocheck
