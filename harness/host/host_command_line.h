// The host's command line (host_main.cpp), parsed outside the host's own translation unit so
// that CLI11, the heaviest header of the build, is compiled once for all hosts rather than once
// per CPython (#13: build time). Nothing here needs Python.h.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace isocheck::host {

enum class HostCommand { describe, cell, serve };

struct HostOptions {
  HostCommand command = HostCommand::cell;
  std::string python_exe;
  std::vector<std::string> modules;
  std::vector<std::string> paths;
  std::string exercise;
  std::string check;
  std::string config;
  std::string variant;
  int cycles = 10;
  int result_fd = 1;
  int forensics_fd = 2;
  bool survey = false;
  int secret_fd = -1;
};

// ARGS without the program name. nullopt when the process should exit with `exit_code`
// instead (--help, or a usage error, which CLI11 has printed).
std::optional<HostOptions> parse_host_command_line(const std::string& description, std::vector<std::string> args,
                                                   int& exit_code);

}  // namespace isocheck::host
