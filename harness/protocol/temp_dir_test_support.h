// Test support shared by the unit tests (header only; the unit binary globs *_test.cpp): a
// scratch directory that is removed with its object, and a file writer for building trees in it.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace isocheck::testing {

// A fresh directory under the system's temporary directory, removed (with everything in it)
// when the object goes. `prefix` names it, so that a test that dies leaves a findable trace.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "isocheck-test") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + tmpl);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    // A test may have taken its own write permission away (atomic_file_test does).
    std::filesystem::permissions(path_, std::filesystem::perms::owner_all, ec);
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Writes `text` to `file`, creating its parent directories.
inline void write_file(const std::filesystem::path& file, std::string_view text) {
  std::filesystem::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + file.string());
}

}  // namespace isocheck::testing
