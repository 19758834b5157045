#include "core/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "core/usage_error.h"

namespace isocheck {

namespace fs = std::filesystem;

namespace {

fs::path directory_of(const fs::path& path) {
  const fs::path parent = path.parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

}  // namespace

void write_file_atomically(const fs::path& path, std::string_view content) {
  std::string tmp = (directory_of(path) / ("." + path.filename().string() + ".XXXXXX")).string();
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) throw std::runtime_error(fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
  bool ok = true;
  while (ok && !content.empty()) {
    const ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) content.remove_prefix(static_cast<size_t>(n));
  }
  ok = ok && ::fchmod(fd, 0644) == 0 && ::fsync(fd) == 0;
  int error = ok ? 0 : errno;
  ::close(fd);
  if (ok && ::rename(tmp.c_str(), path.c_str()) != 0) {
    ok = false;
    error = errno;
  }
  if (!ok) {
    ::unlink(tmp.c_str());
    throw std::runtime_error(fmt::format("cannot write {}: {}", path.string(), std::strerror(error)));
  }
}

void check_writable_destination(const fs::path& path, std::string_view option) {
  std::error_code ec;
  const fs::path dir = directory_of(path);
  if (!fs::is_directory(dir, ec)) {
    throw UsageError(fmt::format("{} {}: directory {} does not exist", option, path.string(), dir.string()));
  }
  if (fs::is_directory(path, ec)) {
    throw UsageError(fmt::format("{} {}: is a directory", option, path.string()));
  }
  // Really create (and remove) a file there: access(2) says yes to root on a read-only mount
  // or in /proc, where the write after the run would then fail.
  std::string probe = (dir / ".isocheck-probe-XXXXXX").string();
  const int fd = ::mkstemp(probe.data());
  if (fd < 0) {
    throw UsageError(fmt::format("{} {}: directory {} is not writable ({})", option, path.string(), dir.string(),
                                 std::strerror(errno)));
  }
  ::close(fd);
  ::unlink(probe.c_str());
}

}  // namespace isocheck
