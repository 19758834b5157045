#include "supervisor/progress.h"

#include <fmt/format.h>

#include <ostream>

namespace isocheck {

using std::chrono::duration_cast;
using std::chrono::seconds;

namespace {
constexpr size_t kLiveWidth = 79;
}  // namespace

std::string format_duration(seconds s) {
  const long total = std::max(0L, static_cast<long>(s.count()));
  if (total >= 3600) return fmt::format("{}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60);
  return fmt::format("{}:{:02}", total / 60, total % 60);
}

ProgressReporter::ProgressReporter(std::ostream& out, bool live, const std::vector<PlannedCell>& cells,
                                   Clock clock)
    : out_(out), live_(live), clock_(std::move(clock)), start_(clock_()), total_(cells.size()) {
  for (const PlannedCell& cell : cells) ++modules_[cell.key.module].planned;
}

std::string ProgressReporter::timing() const {
  const auto elapsed = duration_cast<seconds>(clock_() - start_);
  std::string text = "elapsed " + format_duration(elapsed);
  // The estimate assumes the cells left cost what the finished ones did on average.
  if (done_ > 0 && done_ < total_) {
    const auto left = seconds(static_cast<long>(static_cast<double>(elapsed.count()) *
                                                static_cast<double>(total_ - done_) / static_cast<double>(done_)));
    text += ", ETA " + format_duration(left);
  }
  return text;
}

std::string ProgressReporter::module_line(const std::string& module, const ModuleTally& tally) const {
  std::string counts;
  for (Outcome o : kAllOutcomes) {
    const auto it = tally.outcomes.find(o);
    if (it != tally.outcomes.end()) counts += fmt::format("{}{} {}", counts.empty() ? "" : ", ", it->second, to_string(o));
  }
  return fmt::format("[{}/{} modules, {}/{} cells, {}] {}: {}", modules_done_, modules_.size(), done_, total_,
                     timing(), module, counts);
}

std::string ProgressReporter::live_line(const std::string& module) const {
  const double percent = total_ == 0 ? 100.0 : 100.0 * static_cast<double>(done_) / static_cast<double>(total_);
  return fmt::format("{}/{} cells ({:.0f}%), {}, {}", done_, total_, percent, timing(), module);
}

void ProgressReporter::cell_finished(const CellResult& result) {
  ++done_;
  ModuleTally& tally = modules_[result.key.module];
  ++tally.done;
  ++tally.outcomes[result.outcome];
  const bool module_complete = tally.done == tally.planned;
  if (module_complete) ++modules_done_;
  if (live_) {
    std::string line = live_line(result.key.module);
    if (line.size() > kLiveWidth) line.resize(kLiveWidth);  // one terminal row, or \r cannot rewrite it
    const size_t width = line.size();
    if (width < last_width_) line.append(last_width_ - width, ' ');  // wipe the longer old line
    last_width_ = width;
    out_ << '\r' << line << std::flush;
  } else if (module_complete) {
    out_ << module_line(result.key.module, tally) << '\n' << std::flush;
  }
}

void ProgressReporter::finish() {
  if (live_ && last_width_ > 0) out_ << '\n' << std::flush;
  last_width_ = 0;
}

}  // namespace isocheck
