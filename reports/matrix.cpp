#include "reports/matrix.h"

#include <algorithm>

#include "core/catalog.h"

namespace isocheck {

const CellResult* ModuleMatrix::at(const std::string& check, const MatrixColumn& column) const {
  const auto it = by_position.find({check, column.python, column.config});
  return it == by_position.end() ? nullptr : it->second;
}

ModuleMatrix module_matrix(const RunReport& report, const std::string& module) {
  ModuleMatrix m;
  m.module = module;
  for (const CellResult& c : report.cells) {
    if (c.key.module == module) m.cells.push_back(&c);
  }
  auto any_cell = [&](auto predicate) { return std::any_of(m.cells.begin(), m.cells.end(), predicate); };
  for (const CheckInfo& check : check_catalog()) {
    if (any_cell([&](const CellResult* c) { return c->key.check == check.id; })) m.checks.emplace_back(check.id);
  }
  for (const PythonTarget& p : report.pythons) {
    for (std::string_view config : {"main", "legacy", "isolated", "-"}) {
      if (any_cell([&](const CellResult* c) { return c->key.python == p.version && c->key.config == config; })) {
        m.columns.push_back({p.version, std::string(config)});
      }
    }
  }
  for (const CellResult* c : m.cells) m.by_position[{c->key.check, c->key.python, c->key.config}] = c;
  return m;
}

}  // namespace isocheck
