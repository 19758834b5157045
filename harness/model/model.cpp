#include "model/model.h"

#include <algorithm>
#include <tuple>
#include <utility>
#include <vector>

#include "model/catalog.h"

namespace isocheck {

namespace {

int check_rank(const std::string& id) {
  const auto catalog = check_catalog();
  for (size_t i = 0; i < catalog.size(); ++i) {
    if (catalog[i].id == id) return static_cast<int>(i);
  }
  return static_cast<int>(catalog.size());
}

int config_rank(const std::string& config) {
  if (config == "main") return 0;
  if (config == "legacy") return 1;
  if (config == "isolated") return 2;
  return 3;
}

// "3.9.1" < "3.12.0": compare numerically, component by component.
std::vector<int> version_parts(const std::string& version) {
  std::vector<int> parts;
  int value = 0;
  bool any = false;
  for (char c : version) {
    if (c >= '0' && c <= '9') {
      value = value * 10 + (c - '0');
      any = true;
    } else if (any) {
      parts.push_back(value);
      value = 0;
      any = false;
    }
  }
  if (any) parts.push_back(value);
  return parts;
}

// A debug build ("3.14.8d", cmake/IsocheckPythons.cmake) sorts right after its release build.
std::pair<std::vector<int>, bool> version_key(const std::string& version) {
  return {version_parts(version), !version.empty() && version.back() == 'd'};
}

}  // namespace

bool version_less(const std::string& a, const std::string& b) { return version_key(a) < version_key(b); }

bool report_order(const CellKey& a, const CellKey& b) {
  return std::forward_as_tuple(a.module, version_key(a.python), check_rank(a.check), config_rank(a.config)) <
         std::forward_as_tuple(b.module, version_key(b.python), check_rank(b.check), config_rank(b.config));
}

void RunReport::finish() { cells.sort_into_report_order(); }

int RunReport::count(Outcome outcome) const {
  return static_cast<int>(std::count_if(cells.entries().begin(), cells.entries().end(),
                                        [&](const CellEntry& c) { return c.outcome == outcome; }));
}

}  // namespace isocheck
