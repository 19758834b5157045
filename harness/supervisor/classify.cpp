#include "supervisor/classify.h"

#include "supervisor/forensics.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <signal.h>
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

// A verdict is only taken from a channel that carried nothing but the host's own records: a
// module that wrote onto the result fd (forging a verdict, or garbage) makes the cell `error`,
// whatever the verdict claims; the rejected records are kept in details.protocol_errors.
void distrust_tampered_channel(HostVerdict& v, const HostTranscript& t) {
  if (t.malformed.empty() || v.outcome == Outcome::crash || v.outcome == Outcome::timeout) return;
  nlohmann::ordered_json claimed{{"outcome", std::string(to_string(v.outcome))}, {"summary", v.summary}};
  v.outcome = Outcome::error;
  v.summary = fmt::format(
      "the result channel carried {} record(s) the host did not write (forged or corrupted by the module "
      "under test), so its verdict is not trusted; first: {}",
      t.malformed.size(), t.malformed.front());
  v.details["claimed_verdict"] = std::move(claimed);
}

// MemoryError under isocheck's RLIMIT_AS is the limit, not the machine: say which.
void explain_memory_error(HostVerdict& v, const HostRun& run) {
  if (run.memory_limit_bytes == 0 || v.summary.find("MemoryError") == std::string::npos) return;
  v.summary += fmt::format(" (memory limit reached: hosts may map {} MiB, see --memory-limit)",
                           run.memory_limit_bytes >> 20);
  v.details["memory_limit_bytes"] = run.memory_limit_bytes;
}

// Processes a host left running are a finding of their own: an extension must not leave
// work behind in its embedder's process tree.
void report_stray_processes(HostVerdict& v, const HostRun& run) {
  if (run.stray_processes.empty()) return;
  v.details["stray_processes"] = run.stray_processes;
  if (v.outcome == Outcome::pass || v.outcome == Outcome::warn || v.outcome == Outcome::skip ||
      v.outcome == Outcome::unsupported) {
    v.outcome = Outcome::fail;
    v.summary = fmt::format("left {} process(es) running after the host exited (killed by isocheck): {}",
                            run.stray_processes.size(), fmt::join(run.stray_processes, ", "));
  }
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
  const HostTranscript t = decode_framed_transcript(run.protocol, run.secret);
  if (run.timed_out) {
    v.outcome = Outcome::timeout;
    v.summary = fmt::format("no result after {:.0f} s, killed {}", timeout.count() / 1000.0, where(t));
  } else if (run.interrupted) {
    v.outcome = Outcome::error;
    v.summary = fmt::format("isocheck was interrupted and stopped the host {}", where(t));
  } else if (!run.lost.empty()) {
    // Not the module's doing: what ran the host went away (process_executor.cpp).
    v.outcome = Outcome::error;
    v.summary = fmt::format("isocheck lost the host {}: {}", where(t), run.lost);
  } else if (run.signaled && run.signal == SIGXCPU) {
    // RLIMIT_CPU (process_executor.cpp): the CPU-time side of the timeout.
    v.outcome = Outcome::timeout;
    v.summary = fmt::format("used up its CPU time limit of {} s {}", run.cpu_limit_seconds, where(t));
    v.details["signal"] = signal_name(run.signal);
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
    explain_memory_error(v, run);
  }
  distrust_tampered_channel(v, t);
  report_stray_processes(v, run);
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
