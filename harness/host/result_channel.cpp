#include "host/result_channel.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "core/host_protocol.h"

namespace isocheck::host {

void ResultChannel::send(std::string_view line) {
  // The module's own buffered output goes first, so the stdout/stderr evidence the driver
  // captures is complete up to this point.
  std::fflush(stdout);
  std::fflush(stderr);
  while (!line.empty()) {
    ssize_t n = ::write(fd_, line.data(), line.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the driver is gone: nothing left to tell
    line.remove_prefix(static_cast<size_t>(n));
  }
}

void ResultChannel::step(std::string_view what) { send(encode_progress(what)); }

void ResultChannel::hint(std::string_view why) { send(encode_hint(why)); }

}  // namespace isocheck::host
