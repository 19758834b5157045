#include "core/model.h"

#include <algorithm>
#include <tuple>

#include "core/catalog.h"

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

}  // namespace

bool version_less(const std::string& a, const std::string& b) { return version_parts(a) < version_parts(b); }

bool report_order(const CellKey& a, const CellKey& b) {
  return std::forward_as_tuple(a.module, version_parts(a.python), check_rank(a.check), config_rank(a.config)) <
         std::forward_as_tuple(b.module, version_parts(b.python), check_rank(b.check), config_rank(b.config));
}

void RunReport::finish() { cells.sort_into_report_order(); }

int RunReport::count(Outcome outcome) const {
  return static_cast<int>(std::count_if(cells.entries().begin(), cells.entries().end(),
                                        [&](const CellEntry& c) { return c.outcome == outcome; }));
}

}  // namespace isocheck
