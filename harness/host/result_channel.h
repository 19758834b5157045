// The host's end of the host -> driver protocol (protocol/host_protocol.h): whole records written
// straight to a file descriptor with write(2), so a crash right after a send loses nothing.
// With a secret (the driver's runs) every message is framed with it; without one (a human
// at a terminal: `isocheck repro --gdb`) the messages go as plain lines.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "scenarios/scenario.h"

namespace isocheck::host {

class ResultChannel final : public scenarios::Progress {
 public:
  ResultChannel(int fd, std::string secret) : fd_(fd), secret_(std::move(secret)) {}
  void send(std::string_view line);
  void step(std::string_view what) override;
  void hint(std::string_view why) override;

 private:
  int fd_;
  std::string secret_;
};

// Reads the run's secret from `fd` and closes it, before any module code can run; "" when
// the fd is not open or empty.
std::string read_secret(int fd);

// Moves the result channel off its well-known fd (a module that closes or writes fds 0..9
// blindly no longer hits it) and returns the new fd. Standard streams are left where they are.
int hide_result_fd(int fd);

}  // namespace isocheck::host
