// Progress of a run, on stderr while the matrix goes to stdout (spec/cli.md).
//
// On a terminal: one live line, rewritten in place, with cells done/total, elapsed time, an
// estimate of the time left and the module being checked. Elsewhere (CI logs, pipes): one line
// per module once all of its cells are done, so a log of 5,000 cells stays readable and still
// shows where a run stopped. Lines are flushed as written (style.md 10).
#pragma once

#include <chrono>
#include <functional>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "model/model.h"
#include "supervisor/plan.h"

namespace isocheck {

class ProgressReporter {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  // `cells` is the plan, to know how many cells each module has. `live`: rewrite one line.
  ProgressReporter(std::ostream& out, bool live, const std::vector<PlannedCell>& cells,
                   Clock clock = std::chrono::steady_clock::now);

  // Called once per finished cell (the scheduler serialises the calls).
  void cell_finished(const CellResult& result);
  // Ends the live line, so that what follows starts on a line of its own.
  void finish();

 private:
  struct ModuleTally {
    size_t planned = 0;
    size_t done = 0;
    std::map<Outcome, int> outcomes;
  };
  std::string module_line(const std::string& module, const ModuleTally& tally) const;
  std::string live_line(const std::string& module) const;
  std::string timing() const;

  std::ostream& out_;
  bool live_;
  Clock clock_;
  std::chrono::steady_clock::time_point start_;
  size_t total_ = 0;
  size_t done_ = 0;
  size_t modules_done_ = 0;
  std::map<std::string, ModuleTally> modules_;
  size_t last_width_ = 0;
};

// "1:05" / "1:02:03".
std::string format_duration(std::chrono::seconds s);

}  // namespace isocheck
