#include "supervisor/culprit.h"

#include <gtest/gtest.h>

namespace isocheck {
namespace {

using nlohmann::ordered_json;

ordered_json frames(std::initializer_list<const char*> lines) {
  ordered_json j = ordered_json::array();
  for (const char* line : lines) j.push_back(line);
  return j;
}

const ordered_json kDecimalAbort = frames({
    "#0 __pthread_kill_implementation (pthread_kill.c:44) in libc.so.6",
    "#1 abort in libc.so.6",
    "#2 _PyMem_DebugRawFree (obmalloc.c:2470) in libpython3.12.so.1.0",
    "#3 PyInit__decimal (_decimal.c:5968) in _decimal.cpython-312-x86_64-linux-gnu.so",
    "#4 _PyImport_LoadDynamicModuleWithSpec in libpython3.12.so.1.0",
    "#5 ?? in mymod.cpython-312-x86_64-linux-gnu.so",
});

TEST(Culprit, TheInnermostExtensionFrameNamesTheModuleWhoseCodeCrashed) {
  EXPECT_EQ(crashing_dependency(kDecimalAbort, "mymod"), "_decimal");
  EXPECT_EQ(crashing_dependency(kDecimalAbort, "pkg.mymod"), "_decimal");
  // The module under test itself, by name or by file:
  EXPECT_EQ(crashing_dependency(kDecimalAbort, "_decimal"), std::nullopt);
  EXPECT_EQ(crashing_dependency(kDecimalAbort, "dec=/x/_decimal.cpython-312-x86_64-linux-gnu.so"), std::nullopt);
  // NAME=FILE decides by the file: the same code loaded under another name is still its own.
  const ordered_json own = frames({"#0 boom in _testmultiphase.cpython-312-x86_64-linux-gnu.so"});
  EXPECT_EQ(crashing_dependency(own, "_test_non_isolated=/lib/_testmultiphase.cpython-312-x86_64-linux-gnu.so"),
            std::nullopt);
  EXPECT_EQ(crashing_dependency(own, "_test_non_isolated"), "_testmultiphase");
}

TEST(Culprit, CrashesOutsideEveryExtensionBlameNoDependency) {
  EXPECT_EQ(crashing_dependency(frames({"#0 abort in libc.so.6", "#1 Py_FinalizeEx in libpython3.12.so.1.0"}), "m"),
            std::nullopt);
  EXPECT_EQ(crashing_dependency(ordered_json::object(), "m"), std::nullopt);
  EXPECT_EQ(crashing_dependency(frames({"#0 f in 0x7f00"}), "m"), std::nullopt);
  EXPECT_EQ(crashing_dependency(frames({"#0 f in libfoo.abi3.so"}), "m"), "libfoo");
}

TEST(Culprit, ADependencysCrashIsNamedAndTheModulesHintDropped) {
  HostVerdict v;
  v.outcome = Outcome::crash;
  v.summary = "SIGABRT during \"cycle 2 of 10: import mymod\"";
  v.details["backtrace"] = kDecimalAbort;
  v.details["hints"] = {"single-phase init on CPython 3.12: ..."};
  attribute_crash(v, "mymod");
  EXPECT_EQ(v.summary, "crash in dependency `_decimal`: SIGABRT during \"cycle 2 of 10: import mymod\"");
  EXPECT_EQ(v.details["crash_in_dependency"], "_decimal");
  EXPECT_FALSE(v.details.contains("hints"));

  HostVerdict own = v;
  own.summary = "SIGABRT";
  own.details.erase("crash_in_dependency");
  attribute_crash(own, "_decimal");
  EXPECT_EQ(own.summary, "SIGABRT");
  EXPECT_FALSE(own.details.contains("crash_in_dependency"));

  HostVerdict failed;
  failed.outcome = Outcome::fail;
  failed.summary = "x";
  failed.details["backtrace"] = kDecimalAbort;
  attribute_crash(failed, "mymod");
  EXPECT_EQ(failed.summary, "x");
}

}  // namespace
}  // namespace isocheck
