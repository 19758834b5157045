#include "host/result_channel.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "protocol/host_protocol.h"

namespace isocheck::host {

std::string read_secret(int fd) {
  std::string secret;
  char buf[128];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    secret.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return secret;
}

int hide_result_fd(int fd) {
  if (fd <= 2) return fd;
  // Far above what a process opens in practice, and close-on-exec.
  const int hidden = ::fcntl(fd, F_DUPFD_CLOEXEC, 512);
  if (hidden < 0) return fd;
  ::close(fd);
  return hidden;
}

void ResultChannel::send(std::string_view message) {
  const std::string record = secret_.empty() ? std::string(message) : frame_record(secret_, message);
  std::string_view line = record;
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
