// The host's end of the host -> driver protocol (core/host_protocol.h): whole lines written
// straight to a file descriptor with write(2), so a crash right after a send loses nothing.
#pragma once

#include <string_view>

#include "scenarios/scenario.h"

namespace isocheck::host {

class ResultChannel final : public scenarios::Progress {
 public:
  explicit ResultChannel(int fd) : fd_(fd) {}
  void send(std::string_view line);
  void step(std::string_view what) override;
  void hint(std::string_view why) override;

 private:
  int fd_;
};

}  // namespace isocheck::host
