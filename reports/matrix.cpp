#include "reports/matrix.h"

#include <algorithm>

#include "core/catalog.h"

namespace isocheck {

const CellResult* ModuleMatrix::at(const std::string& check, const MatrixColumn& column) const {
  const auto it = by_position.find({check, column.python, column.config});
  return it == by_position.end() ? nullptr : it->second;
}

std::vector<MatrixColumn> matrix_columns(const std::vector<PythonTarget>& pythons,
                                         const std::vector<const CellResult*>& cells) {
  std::vector<MatrixColumn> columns;
  for (const PythonTarget& p : pythons) {
    for (std::string_view config : {"main", "legacy", "isolated", "-"}) {
      if (std::any_of(cells.begin(), cells.end(),
                      [&](const CellResult* c) { return c->key.python == p.version && c->key.config == config; })) {
        columns.push_back({p.version, std::string(config)});
      }
    }
  }
  return columns;
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
  m.columns = matrix_columns(report.pythons, m.cells);
  for (const CellResult* c : m.cells) m.by_position[{c->key.check, c->key.python, c->key.config}] = c;
  return m;
}

}  // namespace isocheck
