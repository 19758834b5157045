#include "supervisor/forensics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>

namespace isocheck {
namespace {

using ::testing::HasSubstr;

constexpr const char* kDump =
    "=== isocheck-forensics signal\n"
    "11\n"
    "=== native-backtrace\n"
    "0x1000\n"
    "0x2000\n"
    "0x7f0000001234\n"
    "=== maps\n"
    "7f0000000000-7f0000002000 r-xp 00000000 08:01 42   /nonexistent/libfixture.so\n"
    "=== python-traceback\n"
    "Current thread 0x1 (most recent call first):\n"
    "  File \"x.py\", line 3 in f\n"
    "=== end\n";

TEST(ParseCrashDump, ReadsSignalFramesMapsAndPythonTraceback) {
  const auto dump = parse_crash_dump(kDump);
  ASSERT_TRUE(dump.has_value());
  EXPECT_EQ(dump->signal, SIGSEGV);
  EXPECT_EQ(dump->frames, (std::vector<std::uintptr_t>{0x1000, 0x2000, 0x7f0000001234}));
  ASSERT_EQ(dump->maps.size(), 1u);
  EXPECT_EQ(dump->maps[0].start, 0x7f0000000000u);
  EXPECT_EQ(dump->maps[0].end, 0x7f0000002000u);
  EXPECT_EQ(dump->maps[0].path, "/nonexistent/libfixture.so");
  EXPECT_THAT(dump->python_traceback, HasSubstr("line 3 in f"));
  EXPECT_TRUE(dump->complete);
}

TEST(ParseCrashDump, NothingWrittenIsNoDump) { EXPECT_FALSE(parse_crash_dump("").has_value()); }

TEST(ParseCrashDump, DumpCutShortIsKeptAndMarkedIncomplete) {
  const auto dump = parse_crash_dump("=== isocheck-forensics signal\n6\n=== native-backtrace\n0x10\n");
  ASSERT_TRUE(dump.has_value());
  EXPECT_EQ(dump->signal, SIGABRT);
  EXPECT_EQ(dump->frames.size(), 1u);
  EXPECT_FALSE(dump->complete);
}

TEST(ParseCrashDump, OnlyTheFirstDumpCounts) {
  const std::string twice = std::string(kDump) + "=== isocheck-forensics signal\n6\n=== end\n";
  EXPECT_EQ(parse_crash_dump(twice)->signal, SIGSEGV);
}

TEST(Symbolize, SkipsTheHandlersFramesAndNamesTheObjectOfUnknownFrames) {
  const auto frames = symbolize(*parse_crash_dump(kDump));
  ASSERT_EQ(frames.size(), 1u);  // two handler frames dropped
  EXPECT_THAT(frames[0], HasSubstr("#0 ?? in libfixture.so"));
}

TEST(Symbolize, NamesARealFunctionOfThisProcess) {
  // Build a dump of this very process: a frame inside fatal_error_message must be named so.
  CrashDump dump;
  dump.frames = {0, 0, reinterpret_cast<std::uintptr_t>(&fatal_error_message) + 1};
  dump.maps.clear();
  FILE* maps = std::fopen("/proc/self/maps", "r");
  ASSERT_NE(maps, nullptr);
  std::string text = "=== isocheck-forensics signal\n11\n=== maps\n";
  char line[4096];
  while (std::fgets(line, sizeof line, maps)) text += line;
  std::fclose(maps);
  dump.maps = parse_crash_dump(text)->maps;
  const auto frames = symbolize(dump);
  ASSERT_EQ(frames.size(), 1u);
  EXPECT_THAT(frames[0], HasSubstr("fatal_error_message"));
}

TEST(FatalErrorMessage, ExtractsCPythonsFatalErrorLine) {
  EXPECT_EQ(fatal_error_message("noise\nFatal Python error: fatal_exec: gives up\nPython runtime state: initialized\n"),
            "fatal_exec: gives up");
  EXPECT_EQ(fatal_error_message("Segmentation fault\n"), "");
}

}  // namespace
}  // namespace isocheck

namespace isocheck {
namespace {

class CannedExecutor final : public HostExecutor {
 public:
  explicit CannedExecutor(HostRun run) : run_(std::move(run)) {}
  HostRun run(const HostInvocation& invocation) override {
    seen = invocation;
    return run_;
  }
  HostInvocation seen;

 private:
  HostRun run_;
};

TEST(IsolatedSymbolizer, UsesWhatTheChildPrints) {
  HostRun child;
  child.started = true;
  child.stdout_tail = "#0 fixture_function (f.c:3) in f.so\n#1 caller in f.so\n";
  CannedExecutor executor(child);
  const auto frames = isolated_symbolizer(executor, "/path/to/isocheck")(*parse_crash_dump(kDump), kDump);
  EXPECT_EQ(frames, (std::vector<std::string>{"#0 fixture_function (f.c:3) in f.so", "#1 caller in f.so"}));
  EXPECT_EQ(executor.seen.executable, "/path/to/isocheck");
  ASSERT_EQ(executor.seen.args.size(), 2u);
  EXPECT_EQ(executor.seen.args[0], "__symbolize");
}

TEST(IsolatedSymbolizer, ACrashingSymbolizerLeavesRawAddressesAndSaysWhy) {
  HostRun child;
  child.started = true;
  child.signaled = true;
  child.signal = SIGSEGV;
  CannedExecutor executor(child);
  const auto frames = isolated_symbolizer(executor, "/path/to/isocheck")(*parse_crash_dump(kDump), kDump);
  ASSERT_EQ(frames.size(), 2u);  // one real frame (two handler frames dropped) and the note
  EXPECT_EQ(frames[0], "#0 0x7f0000001234");
  EXPECT_THAT(frames[1], HasSubstr("crashed with signal 11"));
}

}  // namespace
}  // namespace isocheck
