#include "commands/baseline.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "protocol/atomic_file.h"
#include "commands/gate.h"
#include "protocol/json_file.h"
#include "protocol/usage_error.h"
#include "reports/json_report_reader.h"

namespace isocheck {

using nlohmann::ordered_json;

namespace {

// "3.12.1" -> "3.12", a debug build's "3.14.8d" -> "3.14d" (its own ABI, its own cells);
// a version without a second dot is kept whole.
std::string minor_of(const std::string& version) {
  const size_t first = version.find('.');
  const size_t second = first == std::string::npos ? first : version.find('.', first + 1);
  if (second != std::string::npos && version.back() == 'd') return version.substr(0, second) + "d";
  return version.substr(0, second);
}

// MODULE:MINOR:CONFIG:CHECK with four non-empty fields.
bool well_formed_key(const std::string& key) {
  size_t fields = 0, start = 0;
  while (true) {
    const size_t colon = key.find(':', start);
    const size_t end = colon == std::string::npos ? key.size() : colon;
    if (end == start) return false;
    ++fields;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return fields == 4;
}

}  // namespace

std::string baseline_key(const CellKey& key) {
  return fmt::format("{}:{}:{}:{}", key.module, minor_of(key.python), key.config, key.check);
}

Baseline baseline_from_report(const RunReport& report) {
  Baseline b;
  for (const CellEntry& c : report.cells.entries()) {
    const std::string key = baseline_key(c.key);
    auto [it, inserted] = b.outcomes.emplace(key, c.outcome);
    if (!inserted) it->second = worst(it->second, c.outcome);
    if (c.flaky()) b.flaky[key] |= c.observed;
  }
  return b;
}

namespace {

bool has(unsigned outcomes, Outcome o) { return (outcomes & (1u << static_cast<unsigned>(o))) != 0; }

ordered_json outcome_names(unsigned outcomes) {
  ordered_json names = ordered_json::array();
  for (Outcome o : kAllOutcomes) {
    if (has(outcomes, o)) names.push_back(std::string(to_string(o)));
  }
  return names;
}

}  // namespace

bool baseline_knows(const Baseline& baseline, const std::string& key, const CellEntry& cell) {
  const auto it = baseline.outcomes.find(key);
  if (it == baseline.outcomes.end()) return false;
  if (it->second == cell.outcome) return true;
  const auto flaky = baseline.flaky.find(key);
  if (flaky != baseline.flaky.end() && has(flaky->second, cell.outcome)) return true;
  return cell.flaky() && has(cell.observed, it->second);
}

std::string baseline_to_text(const RunReport& report) {
  const Baseline b = baseline_from_report(report);
  std::vector<const CellEntry*> ordered;
  for (const CellEntry& c : report.cells.entries()) ordered.push_back(&c);
  std::stable_sort(ordered.begin(), ordered.end(),
                   [](const CellEntry* a, const CellEntry* z) { return report_order(a->key, z->key); });
  ordered_json cells = ordered_json::object();
  for (const CellEntry* c : ordered) {
    const std::string key = baseline_key(c->key);
    if (!cells.contains(key)) cells[key] = std::string(to_string(b.outcomes.at(key)));
  }
  ordered_json j = {{"schema", kBaselineSchema}, {"cells", std::move(cells)}};
  if (!b.flaky.empty()) {
    ordered_json flaky = ordered_json::object();
    for (const auto& [key, _] : j["cells"].items()) {
      if (const auto it = b.flaky.find(key); it != b.flaky.end()) flaky[key] = outcome_names(it->second);
    }
    j["flaky"] = std::move(flaky);
  }
  return j.dump(2) + "\n";
}

Baseline read_baseline_file(const std::filesystem::path& file) {
  ordered_json j = read_json_file(file, "baseline");
  const auto bad = [&](const std::string& why) {
    return UsageError(fmt::format("{}: not an isocheck baseline: {}", file.string(), why));
  };
  if (!j.is_object()) throw bad("not a JSON object");
  if (!j.contains("schema") || j["schema"] != kBaselineSchema) {
    throw bad(fmt::format("schema is {}, expected \"{}\"", j.contains("schema") ? j["schema"].dump() : "missing",
                          kBaselineSchema));
  }
  if (!j.contains("cells") || !j["cells"].is_object()) throw bad("\"cells\" is not an object");
  Baseline b;
  for (const auto& [key, value] : j["cells"].items()) {
    if (!well_formed_key(key)) throw bad(fmt::format("cell key '{}' is not MODULE:PYTHON:CONFIG:CHECK", key));
    const auto outcome = value.is_string() ? parse_outcome(value.get<std::string>()) : std::nullopt;
    if (!outcome) throw bad(fmt::format("cell '{}': {} is not an outcome", key, value.dump()));
    b.outcomes[key] = *outcome;
  }
  if (j.contains("flaky")) {
    if (!j["flaky"].is_object()) throw bad("\"flaky\" is not an object");
    for (const auto& [key, value] : j["flaky"].items()) {
      if (!b.outcomes.contains(key)) throw bad(fmt::format("flaky cell '{}' is not in \"cells\"", key));
      if (!value.is_array()) throw bad(fmt::format("flaky cell '{}': {} is not a list of outcomes", key, value.dump()));
      unsigned seen = 0;
      for (const auto& name : value) {
        const auto outcome = name.is_string() ? parse_outcome(name.get<std::string>()) : std::nullopt;
        if (!outcome) throw bad(fmt::format("flaky cell '{}': {} is not an outcome", key, name.dump()));
        seen |= 1u << static_cast<unsigned>(*outcome);
      }
      b.flaky[key] = seen;
    }
  }
  return b;
}

void apply_baseline(RunReport& report, const Baseline& baseline) {
  report.baseline_given = true;
  for (size_t i = 0; i < report.cells.size(); ++i) {
    const CellEntry& cell = report.cells.entries()[i];
    const std::string key = baseline_key(cell.key);
    const auto it = baseline.outcomes.find(key);
    if (it == baseline.outcomes.end()) {
      report.cells.set_baseline(i, std::nullopt);
    } else {
      report.cells.set_baseline(i, baseline_knows(baseline, key, cell) ? cell.outcome : it->second);
    }
  }
}

BaselineComparison compare_with_baseline(const RunReport& report, const std::vector<Config>& required) {
  BaselineComparison cmp;
  if (!report.baseline_given) return cmp;
  for (const CellEntry& c : report.cells.entries()) {
    const bool bad_now = outcome_fails_gate(c.outcome, c.key.config, required);
    const bool bad_before = c.baseline && outcome_fails_gate(*c.baseline, c.key.config, required);
    if (bad_now && !c.baseline) {
      cmp.new_bad.push_back(&c);
    } else if (bad_now && *c.baseline == c.outcome) {
      cmp.known.push_back(&c);
    } else if (bad_now) {
      cmp.changed.push_back(&c);
    } else if (bad_before) {
      cmp.improved.push_back(&c);
    }
  }
  return cmp;
}

std::string render_baseline_notes(const RunReport& report, const std::vector<Config>& required,
                                  const std::string& refresh_command) {
  if (!report.baseline_given) return "";
  const BaselineComparison cmp = compare_with_baseline(report, required);
  std::string out = "\nbaseline:\n";
  const auto line = [&](std::string_view mark, const CellEntry* c, const std::string& note) {
    out += fmt::format("  {:<8} {} {} {} {}: {}{}\n", mark, c->key.module, c->key.python, c->key.config, c->key.check,
                       to_string(c->outcome), note);
  };
  for (const CellEntry* c : cmp.known) line("known", c, " (as in the baseline: does not fail the gate)");
  for (const CellEntry* c : cmp.changed) line("changed", c, fmt::format(" (baseline: {})", to_string(*c->baseline)));
  for (const CellEntry* c : cmp.new_bad) line("new", c, " (not in the baseline)");
  for (const CellEntry* c : cmp.improved) line("better", c, fmt::format(" (baseline: {})", to_string(*c->baseline)));
  if (!cmp.improved.empty()) {
    out += fmt::format("  {} cell(s) better than baseline; refresh with: {}\n", cmp.improved.size(), refresh_command);
  }
  if (cmp.known.empty() && cmp.changed.empty() && cmp.new_bad.empty() && cmp.improved.empty()) {
    out += "  no cell differs from the baseline in a way that matters to the gate\n";
  }
  return out;
}

void baseline_write_command(const std::filesystem::path& baseline_file, const std::filesystem::path& report_file) {
  check_writable_destination(baseline_file, "baseline write");
  const RunReport report = read_report_file(report_file);
  try {
    write_file_atomically(baseline_file, baseline_to_text(report));
  } catch (const std::runtime_error& e) {
    throw UsageError(e.what());
  }
}

}  // namespace isocheck
