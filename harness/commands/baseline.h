// Baselines (`isocheck baseline write`, `--baseline FILE`): the outcomes a project already
// knows about, so that only changes fail the CI gate. A known crash stays in every report
// (marked "known"); a cell that got better is listed so the baseline can be refreshed.
//
// File format, schema isocheck-baseline/1 (cells in report order, so two baselines diff cleanly):
//   {"schema": "isocheck-baseline/1",
//    "cells": {"mypkg._speedups:3.12:isolated:teardown": "crash", ...},
//    "flaky": {"mypkg._speedups:3.13:isolated:concurrent": ["pass", "crash"], ...}}
// "flaky" (optional) lists the cells whose reruns (model/rerun.h) had more than one outcome,
// with every outcome they had; "cells" gives such a cell's worst.
// A key is MODULE:MINOR:CONFIG:CHECK. The Python is its minor version ("3.12"), so that a
// patch upgrade on the CI machine (3.12.1 -> 3.12.8) keeps the baseline valid.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "protocol/config.h"
#include "model/model.h"

namespace isocheck {

inline constexpr const char* kBaselineSchema = "isocheck-baseline/1";

struct Baseline {
  std::map<std::string, Outcome> outcomes;  // baseline_key -> outcome
  std::map<std::string, unsigned> flaky;    // baseline_key -> outcomes seen, a bit per Outcome
};

// Whether the baseline already knows the outcome of `cell`, so that it does not fail the gate:
// the same outcome, or -- for a cell whose runs disagree (a known-flaky cell must never be
// reported as new) -- an outcome the baseline's flaky runs had, or a baseline outcome among
// the outcomes this run's reruns had.
bool baseline_knows(const Baseline& baseline, const std::string& key, const CellEntry& cell);

// "3.12.1" -> "mod:3.12:isolated:teardown".
std::string baseline_key(const CellKey& key);

// Every cell of the report. Two cells with one key (two 3.12 patch versions in one report)
// keep the worse outcome.
Baseline baseline_from_report(const RunReport& report);

// The file's whole text, cells in report order.
std::string baseline_to_text(const RunReport& report);

// Throws UsageError "FILE: reason" for a missing, unreadable or malformed file.
Baseline read_baseline_file(const std::filesystem::path& file);

// Records in every cell what the baseline says about it (RunReport::baseline_given): the
// baseline's outcome, or the cell's own outcome when baseline_knows() it.
void apply_baseline(RunReport& report, const Baseline& baseline);

// How the run compares with its baseline, each list in report order.
struct BaselineComparison {
  std::vector<const CellEntry*> known;     // fails the gate by itself, but the baseline had it
  std::vector<const CellEntry*> changed;   // fails the gate, the baseline had another outcome
  std::vector<const CellEntry*> new_bad;   // fails the gate, not in the baseline
  std::vector<const CellEntry*> improved;  // the baseline's outcome failed the gate, this one does not
};
BaselineComparison compare_with_baseline(const RunReport& report, const std::vector<Config>& required);

// Lines for the terminal after the matrix: known cells, regressions, and cells better than the
// baseline with the command that refreshes it. Empty when the run had no baseline.
std::string render_baseline_notes(const RunReport& report, const std::vector<Config>& required,
                                  const std::string& refresh_command);

// `isocheck baseline write BASELINE --from REPORT`: every cell of the report, written atomically.
// Throws UsageError for a bad report or an unwritable destination.
void baseline_write_command(const std::filesystem::path& baseline_file, const std::filesystem::path& report_file);

}  // namespace isocheck
