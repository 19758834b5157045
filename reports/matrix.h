// The layout of one module's matrix, shared by the writers that draw one (terminal, Markdown,
// HTML): rows are the checks that have cells (catalog order), columns the (python, config) pairs
// that have cells (report order of Pythons, then main, legacy, isolated, -).
#pragma once

#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "model/model.h"

namespace isocheck {

struct MatrixColumn {
  std::string python;
  std::string config;
};

struct ModuleMatrix {
  std::string module;
  std::vector<std::string> checks;
  std::vector<MatrixColumn> columns;
  std::vector<CellResult> cells;  // this module's cells, in report order, read from the store

  // The cell at (check, column), or nullptr where the check does not run in that config.
  const CellResult* at(const std::string& check, const MatrixColumn& column) const;

  std::map<std::tuple<std::string, std::string, std::string>, size_t> by_position;  // index into cells
};

// Reads only `module`'s cells back from the report's store: one module in memory at a time.
ModuleMatrix module_matrix(const RunReport& report, const std::string& module);

// The (python, config) pairs of `pythons` x configs that `present` holds, in report order
// (also the survey's columns, over all modules).
std::vector<MatrixColumn> matrix_columns(const std::vector<PythonTarget>& pythons,
                                         const std::set<std::pair<std::string, std::string>>& present);

}  // namespace isocheck
