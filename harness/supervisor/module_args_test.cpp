#include "supervisor/module_args.h"

#include <dlfcn.h>
#include <elf.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>

#include <fmt/format.h>

#include "protocol/usage_error.h"
#include "protocol/temp_dir_test_support.h"

namespace isocheck {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using ::testing::HasSubstr;

void write_bytes(const fs::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A file that starts with a complete, valid 64-bit ELF header of the given type.
void write_elf_header(const fs::path& file, uint16_t type) {
  Elf64_Ehdr h{};
  std::memcpy(h.e_ident, ELFMAG, SELFMAG);
  h.e_ident[EI_CLASS] = ELFCLASS64;
  h.e_ident[EI_DATA] = ELFDATA2LSB;
  h.e_ident[EI_VERSION] = EV_CURRENT;
  h.e_type = type;
  h.e_machine = EM_X86_64;
  h.e_version = EV_CURRENT;
  h.e_ehsize = sizeof h;
  std::string bytes(reinterpret_cast<const char*>(&h), sizeof h);
  bytes.append(256, '\0');
  write_bytes(file, bytes);
}

// A shared object that is certainly on this machine: the one libm's cos() comes from.
fs::path real_shared_object() {
  Dl_info info{};
  double (*cos_fn)(double) = &::cos;
  if (::dladdr(reinterpret_cast<void*>(cos_fn), &info) == 0 || info.dli_fname == nullptr) return {};
  return fs::canonical(info.dli_fname);
}

// The UsageError message of normalise_module_arg(arg), or "" when it did not throw one.
std::string usage_error_of(const std::string& arg) {
  try {
    normalise_module_arg(arg);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(NormaliseModuleArg, PlainAndDottedNamesAreAcceptedAsGiven) {
  EXPECT_EQ(normalise_module_arg("json"), "json");
  EXPECT_EQ(normalise_module_arg("_json"), "_json");
  EXPECT_EQ(normalise_module_arg("mypkg._speedups"), "mypkg._speedups");
  EXPECT_EQ(normalise_module_arg("a.b2.c_3"), "a.b2.c_3");
}

TEST(NormaliseModuleArg, BadNamesAreUsageErrors) {
  for (const char* bad : {"1abc", "a..b", "", "a-b", ".a", "a.", "a.1b", "a b", "a/b"}) {
    EXPECT_THROW(normalise_module_arg(bad), UsageError) << '"' << bad << '"';
  }
}

TEST(NormaliseModuleArg, BadNameMessageQuotesTheArgument) {
  EXPECT_THAT(usage_error_of("a-b"), HasSubstr("a-b"));
}

TEST(NormaliseModuleArg, BadNameBeforeTheFileIsAUsageError) {
  const fs::path so = real_shared_object();
  ASSERT_FALSE(so.empty());
  EXPECT_THROW(normalise_module_arg("9lives=" + so.string()), UsageError);
  EXPECT_THROW(normalise_module_arg("=" + so.string()), UsageError);
}

TEST(NormaliseModuleArg, EmptyFileAfterTheEqualsSignIsAUsageError) {
  // `isocheck run m=` must exit 2 with a one-line message (spec/cli.md), not escape as a
  // std::filesystem::filesystem_error ("internal error", exit 70).
  EXPECT_THROW(normalise_module_arg("m="), UsageError);
}

TEST(NormaliseModuleArg, MissingFileIsAUsageErrorNamingTheFile) {
  TempDir dir;
  const fs::path missing = dir.path() / "nope.so";
  const std::string message = usage_error_of("m=" + missing.string());
  EXPECT_THAT(message, HasSubstr(missing.string()));
  EXPECT_THAT(message, HasSubstr("does not exist"));
}

TEST(NormaliseModuleArg, TextFileIsNotASharedObject) {
  TempDir dir;
  const fs::path text = dir.path() / "readme.so";
  write_bytes(text, "this is plainly not an ELF file, but it is long enough to hold a header......\n");
  const std::string message = usage_error_of("m=" + text.string());
  EXPECT_THAT(message, HasSubstr(text.string()));
  EXPECT_THAT(message, HasSubstr("not a shared object"));
}

TEST(NormaliseModuleArg, TruncatedElfHeaderIsNotASharedObject) {
  TempDir dir;
  const fs::path stub = dir.path() / "stub.so";
  write_bytes(stub, std::string(ELFMAG, SELFMAG));
  EXPECT_THAT(usage_error_of("m=" + stub.string()), HasSubstr(stub.string()));
}

TEST(NormaliseModuleArg, ElfExecutableIsNotASharedObject) {
  TempDir dir;
  const fs::path exec = dir.path() / "prog.so";
  write_elf_header(exec, ET_EXEC);
  const std::string message = usage_error_of("m=" + exec.string());
  EXPECT_THAT(message, HasSubstr(exec.string()));
  EXPECT_THAT(message, HasSubstr("not a shared object"));
}

TEST(NormaliseModuleArg, ElfRelocatableObjectIsNotASharedObject) {
  TempDir dir;
  const fs::path obj = dir.path() / "m.o";
  write_elf_header(obj, ET_REL);
  EXPECT_THAT(usage_error_of("m=" + obj.string()), HasSubstr(obj.string()));
}

TEST(NormaliseModuleArg, HeaderOfTypeDynIsAccepted) {
  TempDir dir;
  const fs::path dyn = dir.path() / "m.so";
  write_elf_header(dyn, ET_DYN);
  EXPECT_EQ(normalise_module_arg("m=" + dyn.string()), "m=" + dyn.string());
}

TEST(NormaliseModuleArg, RealSharedObjectIsAcceptedWithItsAbsolutePath) {
  const fs::path so = real_shared_object();
  ASSERT_FALSE(so.empty());
  ASSERT_TRUE(so.is_absolute());
  EXPECT_EQ(normalise_module_arg("pkg.fast=" + so.string()), "pkg.fast=" + so.string());
}

TEST(NormaliseModuleArg, RelativeFileIsMadeAbsoluteAndNormal) {
  const fs::path so = real_shared_object();
  ASSERT_FALSE(so.empty());
  TempDir dir;
  fs::create_directory(dir.path() / "lib");
  fs::copy_file(so, dir.path() / "lib" / "libfast.so");
  const fs::path before = fs::current_path();
  fs::current_path(dir.path());
  std::string result, error;
  try {
    result = normalise_module_arg("fast=lib/../lib/./libfast.so");
  } catch (const std::exception& e) {
    error = e.what();
  }
  fs::current_path(before);
  EXPECT_EQ(error, "");
  // getcwd() reports the directory with symlinks resolved.
  EXPECT_EQ(result, "fast=" + (fs::canonical(dir.path()) / "lib" / "libfast.so").string());
}

// --- per-Python files and directories (issue #17, item 8) ---------------------------------------

PythonTarget python_at(const std::string& version) {
  PythonTarget p;
  p.version = version;
  p.minor = version.substr(0, version.rfind('.'));
  return p;
}

TEST(PerPythonModuleArg, EachPythonIsGivenTheFileItsSelectorNames) {
  TempDir dir;
  const fs::path a = dir.path() / "a.so", b = dir.path() / "b.so";
  write_elf_header(a, ET_DYN);
  write_elf_header(b, ET_DYN);
  const std::string arg = normalise_module_arg(fmt::format("m=3.12:{},3.13:{}", a.string(), b.string()));
  EXPECT_EQ(arg, fmt::format("m=3.12:{},3.13:{}", a.string(), b.string()));
  EXPECT_EQ(module_arg_for_python(arg, python_at("3.12.1")), "m=" + a.string());
  EXPECT_EQ(module_arg_for_python(arg, python_at("3.13.0")), "m=" + b.string());
  EXPECT_EQ(module_arg_for_python(arg, python_at("3.14.0")), std::nullopt);
}

TEST(PerPythonModuleArg, AReleaseSelectorWinsOverItsMinor) {
  TempDir dir;
  const fs::path a = dir.path() / "a.so", b = dir.path() / "b.so";
  write_elf_header(a, ET_DYN);
  write_elf_header(b, ET_DYN);
  const std::string arg = normalise_module_arg(fmt::format("m=3.13.0:{},3.13:{}", a.string(), b.string()));
  EXPECT_EQ(module_arg_for_python(arg, python_at("3.13.0")), "m=" + a.string());
  EXPECT_EQ(module_arg_for_python(arg, python_at("3.13.5")), "m=" + b.string());
}

TEST(PerPythonModuleArg, RelativeFilesAreMadeAbsoluteAndEachIsChecked) {
  TempDir dir;
  write_elf_header(dir.path() / "a.so", ET_DYN);
  const fs::path before = fs::current_path();
  fs::current_path(dir.path());
  const std::string good = usage_error_of("m=3.12:a.so");
  const std::string missing = usage_error_of("m=3.12:a.so,3.13:nothere.so");
  fs::current_path(before);
  EXPECT_EQ(good, "");
  EXPECT_THAT(missing, HasSubstr("nothere.so does not exist"));
}

TEST(PerPythonModuleArg, MalformedOrRepeatedSelectorsAreUsageErrors) {
  TempDir dir;
  const fs::path a = dir.path() / "a.so";
  write_elf_header(a, ET_DYN);
  EXPECT_THAT(usage_error_of(fmt::format("m=3.12:{},{}", a.string(), a.string())), HasSubstr("is not VERSION:FILE"));
  EXPECT_THAT(usage_error_of(fmt::format("m=3.12:{},3.13:", a.string())), HasSubstr("is not VERSION:FILE"));
  EXPECT_THAT(usage_error_of(fmt::format("m=3.12:{},3.12:{}", a.string(), a.string())),
              HasSubstr("Python 3.12 is given more than one file"));
}

TEST(PerPythonModuleArg, PlainArgumentsAreTheSameForEveryPython) {
  EXPECT_EQ(module_arg_for_python("pkg.mod", python_at("3.12.1")), "pkg.mod");
  EXPECT_EQ(module_arg_for_python("m=/x/3.12:odd.so", python_at("3.13.0")), "m=/x/3.12:odd.so");
}

TEST(PerPythonPath, QualifiedDirectoriesReachOnlyTheirPython) {
  TempDir dir;
  const std::string d = fs::canonical(dir.path()).string();
  const std::vector<std::string> paths = {normalise_path_arg(d), normalise_path_arg("3.13:" + d),
                                          normalise_path_arg("3.12.1:" + d + "/.")};
  EXPECT_EQ(paths[1], "3.13:" + d);
  EXPECT_EQ(paths[2], "3.12.1:" + d);
  EXPECT_EQ(paths_for_python(paths, python_at("3.12.1")), (std::vector<std::string>{d, d}));
  EXPECT_EQ(paths_for_python(paths, python_at("3.13.0")), (std::vector<std::string>{d, d}));
  EXPECT_EQ(paths_for_python(paths, python_at("3.12.4")), (std::vector<std::string>{d}));
}

TEST(PerPythonPath, AQualifiedPathThatIsNoDirectoryIsAUsageError) {
  EXPECT_THROW(normalise_path_arg("3.13:/no/such/dir"), UsageError);
  EXPECT_THROW(normalise_path_arg("3.13:"), UsageError);
}

// --- extension_file_problem: what the file shows before any host tries it --------------------

TEST(ExtensionFileProblem, AnotherVersionsTagIsNamedWithoutReadingTheFile) {
  const std::string problem =
      extension_file_problem("/nowhere/mod.cpython-313-x86_64-linux-gnu.so", "mod", "3.12");
  EXPECT_THAT(problem, HasSubstr("another CPython (tag cpython-313), not 3.12"));
}

TEST(ExtensionFileProblem, SharedObjectWithoutThePyInitFunctionCannotBeThatModule) {
  const fs::path so = real_shared_object();
  ASSERT_FALSE(so.empty());
  EXPECT_THAT(extension_file_problem(so.string(), "pkg.fastmath", "3.12"),
              HasSubstr("exports no PyInit_fastmath, so CPython cannot import it as pkg.fastmath"));
}

TEST(ExtensionFileProblem, TruncatedSharedObjectIsCalledTruncated) {
  const fs::path so = real_shared_object();
  ASSERT_FALSE(so.empty());
  TempDir dir;
  const fs::path cut = dir.path() / "cut.so";
  {
    std::ifstream in(so, std::ios::binary);
    std::string head(4096, '\0');
    in.read(head.data(), static_cast<std::streamsize>(head.size()));
    std::ofstream(cut, std::ios::binary) << head;
  }
  EXPECT_THAT(extension_file_problem(cut.string(), "cut", "3.12"), HasSubstr("is truncated"));
}

TEST(ExtensionFileProblem, FileThatCannotBeOpenedIsLeftToTheHost) {
  EXPECT_EQ(extension_file_problem("/nowhere/mod.cpython-312-x86_64-linux-gnu.so", "mod", "3.12"), "");
}

}  // namespace
}  // namespace isocheck
