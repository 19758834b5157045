#include "core/classify.h"

#include "core/forensics.h"

#include <fmt/format.h>
#include <string.h>

#include <algorithm>

namespace isocheck {

using nlohmann::ordered_json;

std::string signal_name(int signal) {
  if (const char* abbrev = sigabbrev_np(signal)) return std::string("SIG") + abbrev;
  return fmt::format("signal {}", signal);
}

namespace {

// The crash handler's dump: native backtrace (symbolised here) and Python traceback.
void attach_dump(HostVerdict& v, const HostRun& run, const Symbolizer& symbolizer) {
  const std::optional<CrashDump> dump = parse_crash_dump(run.forensics);
  if (!dump) return;
  v.details["backtrace"] = symbolizer(*dump, run.forensics);
  if (!dump->python_traceback.empty()) v.details["python_traceback"] = dump->python_traceback;
  if (!dump->complete) v.details["forensics_incomplete"] = true;
}

void attach_evidence(HostVerdict& v, const HostRun& run, const HostTranscript& t) {
  if (!run.core_file.empty()) v.details["core_file"] = run.core_file;
  if (!run.gdb_stacks.empty()) v.details["gdb_native_stacks"] = run.gdb_stacks;
  if (!t.progress.empty()) v.details["last_step"] = t.progress.back();
  if (!run.stdout_tail.empty()) v.details["stdout_tail"] = run.stdout_tail;
  if (!run.stderr_tail.empty()) v.details["stderr_tail"] = run.stderr_tail;
  if (!t.malformed.empty()) v.details["protocol_errors"] = t.malformed;
}

std::string where(const HostTranscript& t) {
  return t.progress.empty() ? "before the host reported any progress"
                            : "during \"" + t.progress.back() + "\"";
}

}  // namespace

HostVerdict classify_run(const HostRun& run, std::chrono::milliseconds timeout, const Symbolizer& symbolizer) {
  HostVerdict v;
  if (!run.started) {
    v.outcome = Outcome::error;
    v.summary = "could not start the host: " + run.start_error;
    return v;
  }
  const HostTranscript t = decode_transcript(run.protocol);
  if (run.timed_out) {
    v.outcome = Outcome::timeout;
    v.summary = fmt::format("no result after {:.0f} s, killed {}", timeout.count() / 1000.0, where(t));
  } else if (run.signaled) {
    v.outcome = Outcome::crash;
    // Py_FatalError ends in abort(): name the fatal error, it says more than SIGABRT.
    const std::string fatal = fatal_error_message(run.stderr_tail);
    const std::string what = fatal.empty() ? signal_name(run.signal) : "Py_FatalError: " + fatal;
    v.summary = t.verdict ? fmt::format("{} after the check finished (at process exit)", what)
                          : fmt::format("{} {}", what, where(t));
    v.details["signal"] = signal_name(run.signal);
    if (!fatal.empty()) v.details["fatal_error"] = fatal;
  } else if (!t.verdict) {
    v.outcome = Outcome::crash;
    v.summary = fmt::format("the process exited with status {} without a verdict, {}", run.exit_code, where(t));
    v.details["exit_code"] = run.exit_code;
  } else if (run.exit_code != 0) {
    // The host exits 0 after its verdict; anything else happened during process teardown
    // (an atexit handler, a C destructor of the module) and is the module's doing.
    v.outcome = Outcome::crash;
    v.summary = fmt::format("the process exited with status {} after the check finished ({}: {})",
                            run.exit_code, to_string(t.verdict->outcome), t.verdict->summary);
    v.details["exit_code"] = run.exit_code;
  } else {
    v = *t.verdict;
  }
  if (!t.hints.empty() && (v.outcome == Outcome::crash || v.outcome == Outcome::timeout)) {
    v.details["hints"] = t.hints;
  }
  if (v.outcome == Outcome::crash || v.outcome == Outcome::timeout) attach_dump(v, run, symbolizer);
  attach_evidence(v, run, t);
  return v;
}

void append_hint(HostVerdict& verdict) {
  const auto& hints = verdict.details.find("hints");
  if (hints == verdict.details.end() || !hints->is_array() || hints->empty()) return;
  if (verdict.outcome != Outcome::crash && verdict.outcome != Outcome::timeout) return;
  verdict.summary += " (" + hints->front().get<std::string>() + ")";
}

HostVerdict merge_variants(const std::vector<std::pair<std::string, HostVerdict>>& variants) {
  if (variants.size() == 1) return variants.front().second;
  HostVerdict merged;
  merged.outcome = Outcome::skip;
  for (const auto& [name, v] : variants) merged.outcome = worst(merged.outcome, v.outcome);

  // Variants with the worst outcome are named in the summary, those with the same summary
  // text grouped ("lifo, fifo: SIGABRT ..."); the others are listed by outcome only.
  std::vector<std::pair<std::string, std::string>> worst_groups;  // (names, summary)
  std::vector<std::string> other_parts;
  ordered_json all = ordered_json::object();
  for (const auto& [name, v] : variants) {
    if (v.outcome == merged.outcome) {
      // The first variant with the worst outcome lends its evidence (signal, tails) to the cell.
      if (worst_groups.empty()) merged.details = v.details;
      auto group = std::find_if(worst_groups.begin(), worst_groups.end(),
                                [&](const auto& g) { return g.second == v.summary; });
      if (group == worst_groups.end()) {
        worst_groups.emplace_back(name, v.summary);
      } else {
        group->first += ", " + name;
      }
    } else {
      other_parts.push_back(fmt::format("{} {}", name, to_string(v.outcome)));
    }
    for (const auto& [key, value] : v.metrics.items()) merged.metrics[key] = value;
    all[name] = {{"outcome", std::string(to_string(v.outcome))}, {"summary", v.summary}, {"details", v.details}};
  }
  std::vector<std::string> worst_parts;
  for (const auto& [names, summary] : worst_groups) worst_parts.push_back(names + ": " + summary);
  merged.summary = fmt::format("{}", fmt::join(worst_parts, "; "));
  if (!other_parts.empty()) merged.summary += fmt::format(" (other variants: {})", fmt::join(other_parts, ", "));
  merged.details["variants"] = std::move(all);
  return merged;
}

}  // namespace isocheck
