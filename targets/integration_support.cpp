#include "integration_support.h"

#include <unistd.h>

#include <chrono>
#include <fstream>

#include "protocol/executor.h"

namespace isocheck::integration {

namespace fs = std::filesystem;

DriverRun run_program(const std::string& program, const std::vector<std::string>& args) {
  isocheck::ProcessExecutor executor(4 * 1024 * 1024);
  isocheck::HostInvocation inv;
  inv.executable = program;
  inv.args = args;
  inv.timeout = std::chrono::minutes(20);
  const isocheck::HostRun run = executor.run(inv);
  EXPECT_TRUE(run.started) << run.start_error;
  EXPECT_FALSE(run.signaled) << "isocheck itself died with signal " << run.signal << "\n" << run.stderr_tail;
  return {run.signaled ? 128 + run.signal : run.exit_code, run.stdout_tail, run.stderr_tail};
}

DriverRun run_isocheck(const std::vector<std::string>& args) { return run_program(ISOCHECK_DRIVER, args); }

json read_json(const fs::path& file) {
  std::ifstream in(file);
  return json::parse(in);
}

fs::path scratch_dir() {
  fs::path dir = fs::temp_directory_path() / ("isocheck-it-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir;
}

std::vector<BuiltPython> built_pythons() {
  const json manifest = read_json(fs::path(ISOCHECK_DRIVER).parent_path() / "isocheck-hosts.json");
  std::vector<BuiltPython> pythons;
  for (const auto& h : manifest["hosts"]) {
    pythons.push_back({h["version"], h["minor"], h["executable"], h.value("dynload", "")});
  }
  return pythons;
}

Matrix matrix_of(const json& report, const std::string& module, const std::string& python) {
  Matrix m;
  for (const json& cell : report["cells"]) {
    if (cell["module"] == module && cell["python"] == python) {
      m[cell["check"].get<std::string>() + "[" + cell["config"].get<std::string>() + "]"] = &cell;
    }
  }
  return m;
}

void expect_matrix(const json& report, const std::string& module, const std::string& python,
                   const std::vector<Row>& rows) {
  const Matrix m = matrix_of(report, module, python);
  size_t expected_cells = 0;
  for (const Row& row : rows) {
    const std::pair<const char*, std::string> columns[] = {
        {"main", row.main}, {"legacy", row.legacy}, {"isolated", row.isolated}, {"-", row.none}};
    for (const auto& [config, outcome] : columns) {
      const std::string key = row.check + "[" + config + "]";
      auto it = m.find(key);
      if (outcome == "-") {
        EXPECT_EQ(it, m.end()) << module << " " << python << ": unexpected cell " << key;
        continue;
      }
      ++expected_cells;
      ASSERT_NE(it, m.end()) << module << " " << python << ": missing cell " << key;
      // "a|b": either outcome is right (the test says why where it is used).
      const std::string actual = (*it->second)["outcome"];
      const bool matches = outcome.find('|') == std::string::npos
                               ? actual == outcome
                               : ("|" + outcome + "|").find("|" + actual + "|") != std::string::npos;
      EXPECT_TRUE(matches) << module << " " << python << " " << key << ": expected " << outcome << ", got "
                           << actual << ": " << (*it->second)["summary"];
    }
  }
  EXPECT_EQ(m.size(), expected_cells) << module << " " << python << ": cells beyond the expected matrix";
}

const json& cell(const json& report, std::string_view module, std::string_view python, std::string_view check,
                 std::string_view config) {
  auto is = [](const json& value, std::string_view expected) {
    return value.is_string() && value.get_ref<const std::string&>() == expected;
  };
  for (const json& c : report["cells"]) {
    if (is(c["module"], module) && is(c["python"], python) && is(c["check"], check) && is(c["config"], config)) {
      return c;
    }
  }
  static const json none;
  ADD_FAILURE() << "no cell " << module << " " << python << " " << check << "[" << config << "]";
  return none;
}

bool contains(const json& text, const std::string& part) {
  return text.is_string() && text.get<std::string>().find(part) != std::string::npos;
}

}  // namespace isocheck::integration
