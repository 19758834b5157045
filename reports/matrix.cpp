#include "reports/matrix.h"

#include <algorithm>

#include "model/catalog.h"

namespace isocheck {

const CellResult* ModuleMatrix::at(const std::string& check, const MatrixColumn& column) const {
  const auto it = by_position.find({check, column.python, column.config});
  return it == by_position.end() ? nullptr : &cells[it->second];
}

std::vector<MatrixColumn> matrix_columns(const std::vector<PythonTarget>& pythons,
                                         const std::set<std::pair<std::string, std::string>>& present) {
  std::vector<MatrixColumn> columns;
  for (const PythonTarget& p : pythons) {
    for (std::string_view config : {"main", "legacy", "isolated", "-"}) {
      if (present.contains({p.version, std::string(config)})) columns.push_back({p.version, std::string(config)});
    }
  }
  return columns;
}

ModuleMatrix module_matrix(const RunReport& report, const std::string& module) {
  ModuleMatrix m;
  m.module = module;
  m.cells = report.cells.of_module(module);
  auto any_cell = [&](auto predicate) { return std::any_of(m.cells.begin(), m.cells.end(), predicate); };
  for (const CheckInfo& check : check_catalog()) {
    if (any_cell([&](const CellResult& c) { return c.key.check == check.id; })) m.checks.emplace_back(check.id);
  }
  std::set<std::pair<std::string, std::string>> present;
  for (size_t i = 0; i < m.cells.size(); ++i) {
    const CellKey& k = m.cells[i].key;
    present.insert({k.python, k.config});
    m.by_position[{k.check, k.python, k.config}] = i;
  }
  m.columns = matrix_columns(report.pythons, present);
  return m;
}

}  // namespace isocheck
