#include "model/rerun.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string>

#include "model/catalog.h"

namespace isocheck {

namespace {

// Every details.core_file in `details`, including those of a merged cell's variants.
std::set<std::string> core_files(const nlohmann::ordered_json& details) {
  std::set<std::string> files;
  if (details.is_object()) {
    for (const auto& [key, value] : details.items()) {
      if (key == "core_file" && value.is_string()) {
        files.insert(value.get<std::string>());
      } else if (value.is_object()) {
        files.merge(core_files(value));
      }
    }
  }
  return files;
}

}  // namespace

bool deserves_rerun(std::string_view check, Outcome first_outcome) {
  if (first_outcome == Outcome::crash) return true;
  const CheckInfo* info = find_check(check);
  return first_outcome == Outcome::fail && info != nullptr && info->timing_dependent;
}

HostVerdict combine_runs(const std::vector<HostVerdict>& runs) {
  // The first of the worst: its summary and forensics describe a run that really happened.
  const auto worst_run = std::max_element(runs.begin(), runs.end(), [](const HostVerdict& a, const HostVerdict& b) {
    return severity(a.outcome) < severity(b.outcome);
  });
  HostVerdict verdict = *worst_run;
  const std::set<std::string> reported = core_files(verdict.details);
  for (const HostVerdict& run : runs) {
    for (const std::string& core : core_files(run.details)) {
      std::error_code ignored;  // a core that is already gone is no loss
      if (!reported.contains(core)) std::filesystem::remove(core, ignored);
    }
  }
  nlohmann::ordered_json counts = nlohmann::ordered_json::object();
  counts["total"] = runs.size();
  for (Outcome o : kAllOutcomes) {
    const auto k = std::count_if(runs.begin(), runs.end(), [o](const HostVerdict& r) { return r.outcome == o; });
    if (k > 0) counts[std::string(to_string(o))] = k;
  }
  const auto k = counts[std::string(to_string(verdict.outcome))].get<size_t>();
  verdict.summary += fmt::format(" ({} in {} of {} runs)", to_string(verdict.outcome), k, runs.size());
  verdict.details["runs"] = std::move(counts);
  return verdict;
}

unsigned observed_outcomes(Outcome outcome, const nlohmann::ordered_json& details) {
  unsigned seen = 1u << static_cast<unsigned>(outcome);
  if (!details.is_object() || !details.contains("runs") || !details["runs"].is_object()) return seen;
  for (const auto& [name, count] : details["runs"].items()) {
    const auto o = parse_outcome(name);
    if (o && count.is_number_integer() && count.get<long long>() > 0) seen |= 1u << static_cast<unsigned>(*o);
  }
  return seen;
}

}  // namespace isocheck
