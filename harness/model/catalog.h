// The check catalog: one table that the planner, the host's scenario registry and
// `isocheck list-checks` all read (spec/checks.md). Adding a check = one row here plus one
// scenario in scenarios/.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "protocol/config.h"
#include "protocol/host_protocol.h"

namespace isocheck {

struct CheckInfo {
  std::string_view id;
  std::vector<Config> configs;  // where the check runs; empty for checks that run no interpreter
  std::string_view intent;      // one line, shown by list-checks
  std::string_view howto;       // the HOWTO "Isolating Extension Modules" section it enforces
  // Independent parts of the check, each run in a fresh host process so that a crash in one
  // (say, FIFO teardown) neither hides nor perturbs the others. Empty: a single run.
  std::vector<std::string_view> variants;
  // For checks that run no interpreter (configs empty): computed by the driver from the
  // extension's file, e.g. lint reading the ELF object.
  HostVerdict (*in_driver)(const std::string& extension_file) = nullptr;
  // Whether a `fail` may depend on thread timing rather than on the module alone, so that a
  // failing cell is run again before it is reported (model/rerun.h).
  bool timing_dependent = false;
};

std::span<const CheckInfo> check_catalog();
const CheckInfo* find_check(std::string_view id);

}  // namespace isocheck
