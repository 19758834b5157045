#include "protocol/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <string>

#include "protocol/usage_error.h"

namespace isocheck {

namespace fs = std::filesystem;

namespace {

fs::path directory_of(const fs::path& path) {
  const fs::path parent = path.parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

}  // namespace

void write_file_atomically(const fs::path& path, std::string_view content) {
  write_file_atomically(path, [&](std::ostream& out) { out << content; });
}

void write_file_atomically(const fs::path& path, const std::function<void(std::ostream&)>& write) {
  std::string tmp = (directory_of(path) / ("." + path.filename().string() + ".XXXXXX")).string();
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) throw std::runtime_error(fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
  const auto fail = [&](const std::string& why) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw std::runtime_error(fmt::format("cannot write {}: {}", path.string(), why));
  };
  errno = 0;
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    try {
      write(out);
    } catch (...) {
      ::close(fd);
      ::unlink(tmp.c_str());
      throw;
    }
    out.close();
    if (!out) fail(std::strerror(errno != 0 ? errno : EIO));
  }
  // The stream wrote through its own descriptor; mkstemp's makes the file durable and readable.
  if (::fchmod(fd, 0644) != 0 || ::fsync(fd) != 0) fail(std::strerror(errno));
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int error = errno;
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
