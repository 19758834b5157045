// One cell's identity and result: what a host run (or the driver) concluded about it.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "protocol/outcome.h"

namespace isocheck {

// One (module, python, config, check). `config` is "main", "legacy", "isolated" or "-".
struct CellKey {
  std::string module;
  std::string python;  // full version
  std::string config;
  std::string check;
  auto operator<=>(const CellKey&) const = default;
};

struct CellResult {
  CellKey key;
  Outcome outcome = Outcome::error;
  std::string summary;
  nlohmann::ordered_json details = nlohmann::ordered_json::object();
  nlohmann::ordered_json metrics = nlohmann::ordered_json::object();
  double duration_ms = 0;
  std::string repro;
  // --baseline: the outcome the baseline file gave this cell (nullopt: the cell is new).
  // Meaningful only when RunReport::baseline_given (commands/baseline.h).
  std::optional<Outcome> baseline;
};

}  // namespace isocheck
