#include "protocol/atomic_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "protocol/usage_error.h"
#include "protocol/temp_dir_test_support.h"

namespace isocheck {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using ::testing::HasSubstr;

std::string read_all(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> entries(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string usage_error_of(const fs::path& path) {
  try {
    check_writable_destination(path, "--json");
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(WriteFileAtomically, CreatesTheFileWithTheContent) {
  TempDir dir;
  const fs::path file = dir.path() / "report.json";
  const std::string content = "{\"schema\": \"isocheck-report/1\"}\n";
  write_file_atomically(file, content);
  EXPECT_EQ(read_all(file), content);
}

TEST(WriteFileAtomically, KeepsBinaryContentAndNulBytes) {
  TempDir dir;
  const fs::path file = dir.path() / "blob";
  const std::string content("a\0b\xff\n", 5);
  write_file_atomically(file, content);
  EXPECT_EQ(read_all(file), content);
}

TEST(WriteFileAtomically, EmptyContentGivesAnEmptyFile) {
  TempDir dir;
  const fs::path file = dir.path() / "empty";
  write_file_atomically(file, "");
  ASSERT_TRUE(fs::exists(file));
  EXPECT_EQ(fs::file_size(file), 0u);
}

TEST(WriteFileAtomically, OverwritingReplacesTheWholeFile) {
  TempDir dir;
  const fs::path file = dir.path() / "report.json";
  write_file_atomically(file, std::string(10000, 'x'));
  write_file_atomically(file, "short");
  EXPECT_EQ(read_all(file), "short");
}

TEST(WriteFileAtomically, LeavesNoTemporaryFilesBehind) {
  TempDir dir;
  write_file_atomically(dir.path() / "a.json", "1");
  write_file_atomically(dir.path() / "a.json", "2");
  write_file_atomically(dir.path() / "b.xml", "3");
  EXPECT_EQ(entries(dir.path()), (std::vector<std::string>{"a.json", "b.xml"}));
}

TEST(WriteFileAtomically, StreamedContentIsWrittenWhole) {
  TempDir dir;
  const fs::path file = dir.path() / "report.html";
  write_file_atomically(file, [](std::ostream& out) {
    for (int i = 0; i < 1000; ++i) out << "module " << i << "\n";
  });
  const std::string text = read_all(file);
  EXPECT_EQ(text.rfind("module 0\n", 0), 0u);
  EXPECT_THAT(text, ::testing::EndsWith("module 999\n"));
  EXPECT_EQ(entries(dir.path()), std::vector<std::string>{"report.html"});
}

TEST(WriteFileAtomically, WriterThatThrowsLeavesTheOldFileAndNoTemporary) {
  TempDir dir;
  const fs::path file = dir.path() / "report.json";
  write_file_atomically(file, "old report");
  EXPECT_THROW(write_file_atomically(file,
                                     [](std::ostream& out) {
                                       out << "half of a new rep";
                                       throw std::runtime_error("a cell could not be read back");
                                     }),
               std::runtime_error);
  EXPECT_EQ(read_all(file), "old report");
  EXPECT_EQ(entries(dir.path()), std::vector<std::string>{"report.json"});
}

TEST(WriteFileAtomically, FileIsReadableByOthersLikeAnyReport) {
  TempDir dir;
  const fs::path file = dir.path() / "r.json";
  write_file_atomically(file, "x");
  const fs::perms p = fs::status(file).permissions();
  EXPECT_NE(p & fs::perms::owner_read, fs::perms::none);
  EXPECT_NE(p & fs::perms::others_read, fs::perms::none);
}

TEST(WriteFileAtomically, MissingDirectoryThrowsNamingTheFileAndLeavesNothing) {
  TempDir dir;
  const fs::path file = dir.path() / "nope" / "r.json";
  try {
    write_file_atomically(file, "x");
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr(file.string()));
  }
  EXPECT_TRUE(entries(dir.path()).empty());
}

TEST(WriteFileAtomically, DestinationThatIsADirectoryThrowsAndIsKept) {
  TempDir dir;
  const fs::path target = dir.path() / "out";
  fs::create_directory(target);
  EXPECT_THROW(write_file_atomically(target, "x"), std::runtime_error);
  EXPECT_TRUE(fs::is_directory(target));
  EXPECT_EQ(entries(dir.path()), std::vector<std::string>{"out"});
}

TEST(CheckWritableDestination, AcceptsANewFileInAWritableDirectory) {
  TempDir dir;
  EXPECT_NO_THROW(check_writable_destination(dir.path() / "r.json", "--json"));
  EXPECT_FALSE(fs::exists(dir.path() / "r.json"));  // checking creates nothing
}

TEST(CheckWritableDestination, AcceptsAnExistingFile) {
  TempDir dir;
  std::ofstream(dir.path() / "r.json") << "old";
  EXPECT_NO_THROW(check_writable_destination(dir.path() / "r.json", "--json"));
}

TEST(CheckWritableDestination, MissingDirectoryIsAUsageErrorNamingOptionAndDirectory) {
  TempDir dir;
  const fs::path missing = dir.path() / "no" / "such";
  const std::string message = usage_error_of(missing / "r.json");
  EXPECT_THAT(message, HasSubstr("--json"));
  EXPECT_THAT(message, HasSubstr(missing.string()));
}

TEST(CheckWritableDestination, DirectoryPathIsAUsageError) {
  TempDir dir;
  const std::string message = usage_error_of(dir.path());
  EXPECT_THAT(message, HasSubstr("--json"));
  EXPECT_THAT(message, HasSubstr("directory"));
}

TEST(CheckWritableDestination, ReadOnlyDirectoryIsAUsageError) {
  if (::geteuid() == 0) GTEST_SKIP() << "root can write to a read-only directory";
  TempDir dir;
  const fs::path ro = dir.path() / "ro";
  fs::create_directory(ro);
  fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec);
  const std::string message = usage_error_of(ro / "r.json");
  fs::permissions(ro, fs::perms::owner_all);
  EXPECT_THAT(message, HasSubstr("not writable"));
}

}  // namespace
}  // namespace isocheck
