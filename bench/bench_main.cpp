// isocheck-bench: isocheck's wall time against the floor, what CPython itself costs for the
// same plan (issue #6). Both run here, one after the other, on the same machine:
//
//   isocheck-bench module NAME [--path DIR]... [-j N]   one module, the full catalog
//   isocheck-bench survey [-j N]                         every lib-dynload module (isocheck survey)
//   isocheck-bench scaling                               isocheck survey at -j 1 and -j 2
//   isocheck-bench memory NAME [-j N]                    driver peak RSS: NAME alone vs the survey
//
// The plan is the one isocheck ran: its JSON report lists the cells, and each interpreter cell
// (lint reads a file and runs none) becomes one floor process (bench/floor.c, isocheck-floor-X.Y
// next to this binary) per variant, spawned with posix_spawn by N workers -- the cheapest way
// there is to start a process, so the floor stays a floor. The fork floor runs the same cells
// as children forked from one initialised floor process per Python and worker (floor.c
// --serve), as isocheck's own fork servers do. Targets are printed as verdicts,
// never asserted in tests: <= 1.2x the floor for one module, <= 120 s for the survey, and
// -j 2 >= 1.7x faster than -j 1; and a driver whose peak RSS stays flat as cells grow (at most
// 1 MiB more per 1,000 cells, every report format written).
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "model/catalog.h"

extern char** environ;

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

fs::path bin_dir() { return fs::read_symlink("/proc/self/exe").parent_path(); }

struct Timed {
  int status = -1;
  double seconds = 0;
  long peak_rss_kb = 0;  // VmHWM of the spawned process itself (not its children)
};

long vm_hwm_kb(pid_t pid) {
  std::ifstream status(fmt::format("/proc/{}/status", pid));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

// Spawns argv, waits; with `sample_rss`, polls the child's peak RSS until it exits.
Timed spawn_and_wait(const std::vector<std::string>& args, bool quiet, bool sample_rss = false) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  if (quiet) {
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  }
  Timed t;
  const auto start = Clock::now();
  pid_t pid = 0;
  if (posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ) != 0) {
    posix_spawn_file_actions_destroy(&actions);
    throw std::runtime_error("cannot start " + args[0]);
  }
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  if (sample_rss) {
    while (waitpid(pid, &status, WNOHANG) == 0) {
      t.peak_rss_kb = std::max(t.peak_rss_kb, vm_hwm_kb(pid));
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  } else {
    waitpid(pid, &status, 0);
  }
  t.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  t.status = status;
  return t;
}

nlohmann::json read_json(const fs::path& file) {
  std::ifstream in(file);
  return nlohmann::json::parse(in);
}

// One floor process per interpreter cell (and per variant) of the report.
std::vector<std::vector<std::string>> floor_plan(const nlohmann::json& report, const std::vector<std::string>& paths,
                                                 int cycles) {
  std::map<std::string, std::string> executable_of;
  for (const auto& p : report["pythons"]) executable_of[p["version"]] = p["executable"];
  std::vector<std::vector<std::string>> plan;
  for (const auto& cell : report["cells"]) {
    const std::string check = cell["check"];
    const isocheck::CheckInfo* info = isocheck::find_check(check);
    if (info == nullptr || info->configs.empty()) continue;  // lint: no interpreter
    const std::string version = cell["python"];
    const std::string minor = version.substr(0, version.rfind('.'));
    std::vector<std::string> base = {(bin_dir() / ("isocheck-floor-" + minor)).string(), "--python-exe",
                                     executable_of[version], "--module", cell["module"], "--check", check,
                                     "--config", cell["config"], "--cycles", std::to_string(cycles)};
    for (const std::string& p : paths) {
      base.push_back("--path");
      base.push_back(p);
    }
    // leaks stops its repetitions once none can lead to a finding: the floor runs as many.
    const auto metrics = cell.find("metrics");
    if (metrics != cell.end() && metrics->contains("repetitions") && metrics->at("repetitions").is_number_integer()) {
      base.push_back("--leak-repetitions");
      base.push_back(std::to_string(metrics->at("repetitions").get<int>()));
    }
    if (info->variants.empty()) {
      plan.push_back(base);
    } else {
      for (std::string_view variant : info->variants) {
        plan.push_back(base);
        plan.back().push_back("--variant");
        plan.back().push_back(std::string(variant));
      }
    }
  }
  return plan;
}

struct FloorResult {
  double seconds = 0;
  int processes = 0;
  int failed = 0;                        // the module crashed or did not import under the floor too
  std::map<std::string, double> by_check;  // summed process wall time per check id
};

// The value after `name` in a floor process's arguments ("" when absent).
std::string option_of(const std::vector<std::string>& floor_args, const std::string& name) {
  const auto it = std::find(floor_args.begin(), floor_args.end(), name);
  return it == floor_args.end() || it + 1 == floor_args.end() ? "" : *(it + 1);
}

// Runs one floor cell and returns its wait status. Each worker makes its own (it may keep state).
using CellRunner = std::function<int(const std::vector<std::string>& floor_args)>;

// The plan through `jobs` workers, each running cells with the runner `make_runner` gives it.
FloorResult run_plan(const std::vector<std::vector<std::string>>& plan, int jobs,
                     const std::function<CellRunner()>& make_runner) {
  std::atomic<size_t> next{0};
  std::atomic<int> failed{0};
  std::mutex mutex;
  std::map<std::string, double> by_check;
  const auto start = Clock::now();
  std::vector<std::thread> workers;
  for (int w = 0; w < jobs; ++w) {
    workers.emplace_back([&] {
      const CellRunner run_cell = make_runner();
      for (size_t i = next++; i < plan.size(); i = next++) {
        const auto cell_start = Clock::now();
        const int status = run_cell(plan[i]);
        const double seconds = std::chrono::duration<double>(Clock::now() - cell_start).count();
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failed;
        std::lock_guard lock(mutex);
        by_check[option_of(plan[i], "--check")] += seconds;
      }
    });
  }
  for (std::thread& w : workers) w.join();
  return {std::chrono::duration<double>(Clock::now() - start).count(), static_cast<int>(plan.size()), failed.load(),
          by_check};
}

// The floor: a fresh process per cell.
FloorResult run_floor(const std::vector<std::vector<std::string>>& plan, int jobs) {
  return run_plan(plan, jobs, [] {
    return [](const std::vector<std::string>& floor_args) { return spawn_and_wait(floor_args, true).status; };
  });
}

// A floor process in --serve mode (bench/floor.c): cells as lines on its stdin, one forked
// child each, the wait status back as a line.
class FloorServer {
 public:
  FloorServer(const std::string& floor, const std::string& python_exe) {
    int in[2], out[2];
    if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    std::vector<std::string> args = {floor, "--serve", "--python-exe", python_exe};
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int rc = posix_spawn(&pid_, floor.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    if (rc != 0) throw std::runtime_error("cannot start " + floor);
    to_ = ::fdopen(in[1], "w");
    from_ = ::fdopen(out[0], "r");
  }
  ~FloorServer() {
    std::fclose(to_);
    std::fclose(from_);
    ::waitpid(pid_, nullptr, 0);
  }
  // The cell's wait status (-1 when the server is gone).
  int run(const std::vector<std::string>& floor_args) {
    std::string line;
    for (size_t i = 1; i < floor_args.size(); ++i) line += (i > 1 ? " " : "") + floor_args[i];
    std::fprintf(to_, "%s\n", line.c_str());
    std::fflush(to_);
    int status = -1;
    return std::fscanf(from_, "%d", &status) == 1 ? status : -1;
  }

 private:
  pid_t pid_ = 0;
  FILE* to_ = nullptr;
  FILE* from_ = nullptr;
};

// The fork floor: each worker keeps one floor server per Python and forks every cell from it.
FloorResult run_fork_floor(const std::vector<std::vector<std::string>>& plan, int jobs) {
  return run_plan(plan, jobs, [] {
    // floor binary + python -> that worker's server
    auto servers = std::make_shared<std::map<std::string, std::unique_ptr<FloorServer>>>();
    return [servers](const std::vector<std::string>& floor_args) {
      const std::string python = option_of(floor_args, "--python-exe");
      std::unique_ptr<FloorServer>& server = (*servers)[floor_args[0] + "\n" + python];
      if (!server) server = std::make_unique<FloorServer>(floor_args[0], python);
      return server->run(floor_args);
    };
  });
}

struct IsocheckResult {
  Timed timed;
  nlohmann::json report;
};

// `all_formats`: every report file, so that the writers' memory is in the peak too.
IsocheckResult run_isocheck(std::vector<std::string> args, const fs::path& json, bool all_formats = false) {
  args.insert(args.begin(), (bin_dir() / "isocheck").string());
  args.push_back("--json");
  args.push_back(json.string());
  if (all_formats) {
    for (const char* format : {"html", "junit", "markdown"}) {
      args.push_back(std::string("--") + format);
      args.push_back(fs::path(json).replace_extension(format).string());
    }
  }
  IsocheckResult r;
  r.timed = spawn_and_wait(args, true, true);
  if (!WIFEXITED(r.timed.status) || WEXITSTATUS(r.timed.status) > 1) {
    throw std::runtime_error(fmt::format("isocheck {} failed (status {})", args[1], r.timed.status));
  }
  r.report = read_json(json);
  return r;
}

// `floor`: a fresh process per cell, what the target is measured against; `fork_floor`:
// one initialised process per Python forking a child per cell, as isocheck's fork servers do,
// so that the ratio to it is what isocheck's own machinery costs.
void compare(const std::string& what, const IsocheckResult& iso, const FloorResult& floor, const FloorResult& fork_floor,
             double limit) {
  const double ratio = iso.timed.seconds / floor.seconds;
  fmt::print("{}\n", what);
  fmt::print("  cells            {} ({} floor processes, {} of them failed under the floor too)\n",
             iso.report["cells"].size(), floor.processes, floor.failed);
  fmt::print("  floor            {:8.2f} s   a process per cell\n", floor.seconds);
  fmt::print("  fork floor       {:8.2f} s   a child forked per cell from one initialised process per Python\n",
             fork_floor.seconds);
  fmt::print("  isocheck         {:8.2f} s   driver peak RSS {} MiB\n", iso.timed.seconds,
             iso.timed.peak_rss_kb / 1024);
  fmt::print("  ratio            {:8.2f}x   target <= {:.1f}x: {}\n", ratio, limit, ratio <= limit ? "MET" : "MISSED");
  fmt::print("  ratio, fork floor{:8.2f}x\n", iso.timed.seconds / fork_floor.seconds);
  // Where the difference is: summed cell times per check (a cell's variants together).
  std::map<std::string, double> isocheck_by_check;
  for (const auto& cell : iso.report["cells"]) isocheck_by_check[cell["check"]] += cell["duration_ms"].get<double>() / 1000;
  fmt::print("  per check (summed cell seconds)   floor  fork floor  isocheck\n");
  for (const auto& [check, floor_s] : floor.by_check) {
    const auto fork_it = fork_floor.by_check.find(check);
    fmt::print("    {:<14} {:>19.2f} {:>11.2f} {:>9.2f}\n", check, floor_s,
               fork_it == fork_floor.by_check.end() ? 0.0 : fork_it->second, isocheck_by_check[check]);
  }
}

void compare_memory(const IsocheckResult& one, const IsocheckResult& survey) {
  const double one_mib = one.timed.peak_rss_kb / 1024.0, survey_mib = survey.timed.peak_rss_kb / 1024.0;
  const size_t one_cells = one.report["cells"].size(), survey_cells = survey.report["cells"].size();
  const double per_thousand =
      survey_cells > one_cells ? (survey_mib - one_mib) * 1000.0 / static_cast<double>(survey_cells - one_cells) : 0;
  fmt::print("driver peak RSS (VmHWM, every report format written)\n");
  fmt::print("  one module       {:8.1f} MiB   {} cells\n", one_mib, one_cells);
  fmt::print("  survey           {:8.1f} MiB   {} cells, {} modules\n", survey_mib, survey_cells,
             survey.report["modules"].size());
  fmt::print("  growth           {:8.2f} MiB per 1,000 cells   target <= 1 MiB: {}\n", per_thousand,
             per_thousand <= 1.0 ? "MET" : "MISSED");
}

int usage() {
  std::cerr << "usage: isocheck-bench module NAME [--path DIR]... [-j N] | survey [-j N] | scaling | memory NAME [-j N]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) return usage();
  const std::string mode = args[0];
  int jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<std::string> paths, rest;
  for (size_t i = 1; i < args.size(); ++i) {
    if ((args[i] == "-j" || args[i] == "--jobs") && i + 1 < args.size()) {
      jobs = std::stoi(args[++i]);
    } else if (args[i] == "--path" && i + 1 < args.size()) {
      paths.push_back(fs::absolute(args[++i]).string());
    } else {
      rest.push_back(args[i]);
    }
  }
  const fs::path scratch = fs::temp_directory_path() / fmt::format("isocheck-bench-{}", getpid());
  fs::create_directories(scratch);
  const int cycles = 10;  // isocheck's default (spec/cli.md)
  try {
    if (mode == "module" && rest.size() == 1) {
      std::vector<std::string> run = {"run", rest[0], "-j", std::to_string(jobs)};
      for (const std::string& p : paths) {
        run.push_back("--path");
        run.push_back(p);
      }
      const IsocheckResult iso = run_isocheck(run, scratch / "module.json");
      const auto plan = floor_plan(iso.report, paths, cycles);
      const FloorResult floor = run_floor(plan, jobs);
      const FloorResult fork_floor = run_fork_floor(plan, jobs);
      compare(fmt::format("one module, full catalog: {} (-j {})", rest[0], jobs), iso, floor, fork_floor, 1.2);
    } else if (mode == "survey" && rest.empty()) {
      const IsocheckResult iso = run_isocheck({"survey", "-j", std::to_string(jobs)}, scratch / "survey.json");
      const auto plan = floor_plan(iso.report, {}, cycles);
      const FloorResult floor = run_floor(plan, jobs);
      const FloorResult fork_floor = run_fork_floor(plan, jobs);
      compare(fmt::format("survey, {} modules (-j {})", iso.report["modules"].size(), jobs), iso, floor, fork_floor,
              1.2);
      fmt::print("  survey wall      {:8.2f} s   target <= 120 s: {}\n", iso.timed.seconds,
                 iso.timed.seconds <= 120 ? "MET" : "MISSED");
    } else if (mode == "scaling" && rest.empty()) {
      const IsocheckResult one = run_isocheck({"survey", "-j", "1"}, scratch / "j1.json");
      const IsocheckResult two = run_isocheck({"survey", "-j", "2"}, scratch / "j2.json");
      const double speedup = one.timed.seconds / two.timed.seconds;
      fmt::print("survey scaling\n  -j 1             {:8.2f} s\n  -j 2             {:8.2f} s\n", one.timed.seconds,
                 two.timed.seconds);
      fmt::print("  speed-up         {:8.2f}x   target >= 1.7x: {}\n", speedup, speedup >= 1.7 ? "MET" : "MISSED");
    } else if (mode == "memory" && rest.size() == 1) {
      const std::string j = std::to_string(jobs);
      const IsocheckResult one = run_isocheck({"run", rest[0], "-j", j}, scratch / "one.json", true);
      const IsocheckResult survey = run_isocheck({"survey", "-j", j}, scratch / "survey.json", true);
      compare_memory(one, survey);
    } else {
      return usage();
    }
  } catch (const std::exception& e) {
    std::cerr << "isocheck-bench: " << e.what() << "\n";
    fs::remove_all(scratch);
    return 1;
  }
  fs::remove_all(scratch);
  return 0;
}
