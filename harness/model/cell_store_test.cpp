#include "model/cell_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "model/model.h"

namespace isocheck {
namespace {

using ::testing::ElementsAre;

CellResult cell(const std::string& module, const std::string& python, const std::string& check,
                const std::string& config, Outcome outcome = Outcome::pass) {
  CellResult c;
  c.key = CellKey{module, python, config, check};
  c.outcome = outcome;
  c.summary = module + " " + check + " " + config;
  c.details = {{"stderr_tail", "line 1\nline 2"}, {"backtrace", {"#0 f", "#1 g"}}};
  c.metrics = {{"cycles_completed", 10}};
  c.duration_ms = 12.5;
  c.repro = "isocheck run " + module;
  return c;
}

std::vector<std::string> keys_of(const CellStore& store) {
  std::vector<std::string> keys;
  for (const CellResult& c : store) keys.push_back(c.key.module + " " + c.key.python + " " + c.key.check + " " + c.key.config);
  return keys;
}

class BothStores : public ::testing::TestWithParam<bool> {
 protected:
  CellStore make() const { return GetParam() ? CellStore::spooled() : CellStore(); }
};

TEST_P(BothStores, CellsComeBackWholeAndByteForByte) {
  CellStore store = make();
  CellResult c = cell("m", "3.12.1", "import", "main", Outcome::crash);
  // A module's output is not always UTF-8; the store must not be where that is repaired.
  c.details["stdout_tail"] = std::string("bad \xff\xfe bytes\0and a NUL", 24);
  c.summary = "\x1b[31mred\x1b[0m";
  store.push_back(c);
  ASSERT_EQ(store.size(), 1u);
  const CellResult back = store.at(0);
  EXPECT_EQ(back.key, c.key);
  EXPECT_EQ(back.outcome, c.outcome);
  EXPECT_EQ(back.summary, c.summary);
  EXPECT_EQ(back.details, c.details);
  EXPECT_EQ(back.details["stdout_tail"].get<std::string>().size(), 24u);
  EXPECT_EQ(back.metrics, c.metrics);
  EXPECT_DOUBLE_EQ(back.duration_ms, c.duration_ms);
  EXPECT_EQ(back.repro, c.repro);
  EXPECT_EQ(back.details.begin().key(), "stderr_tail") << "key order is kept";
}

TEST_P(BothStores, SortingPutsCellsInReportOrderAndEntriesFollow) {
  CellStore store = make();
  store.push_back(cell("zeta", "3.12.1", "import", "main"));
  store.push_back(cell("alpha", "3.13.0", "import", "main", Outcome::fail));
  store.push_back(cell("alpha", "3.12.1", "cycles", "isolated"));
  store.push_back(cell("alpha", "3.12.1", "import", "legacy"));
  store.sort_into_report_order();
  EXPECT_THAT(keys_of(store), ElementsAre("alpha 3.12.1 import legacy", "alpha 3.12.1 cycles isolated",
                                          "alpha 3.13.0 import main", "zeta 3.12.1 import main"));
  EXPECT_EQ(store.entries()[2].outcome, Outcome::fail);
  EXPECT_EQ(store.at(2).summary, "alpha import main");
}

TEST_P(BothStores, OfModuleReadsOnlyThatModulesCellsInStoreOrder) {
  CellStore store = make();
  for (const char* module : {"b", "a", "b", "c"}) store.push_back(cell(module, "3.12.1", "import", "main"));
  store.sort_into_report_order();
  const std::vector<CellResult> b = store.of_module("b");
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].key.module, "b");
  EXPECT_EQ(b[1].key.module, "b");
  EXPECT_TRUE(store.of_module("absent").empty());
}

TEST_P(BothStores, BaselineSetLaterIsWhatReadersSee) {
  CellStore store = make();
  store.push_back(cell("m", "3.12.1", "import", "main", Outcome::crash));
  store.push_back(cell("m", "3.12.1", "import", "legacy"));
  store.set_baseline(0, Outcome::crash);
  EXPECT_EQ(store.entries()[0].baseline, Outcome::crash);
  EXPECT_EQ(store.at(0).baseline, Outcome::crash);
  EXPECT_FALSE(store.at(1).baseline.has_value());
  std::vector<std::optional<Outcome>> seen;
  for (const CellResult& c : store) seen.push_back(c.baseline);
  EXPECT_THAT(seen, ElementsAre(std::optional<Outcome>(Outcome::crash), std::nullopt));
}

TEST_P(BothStores, CopiesAreIndependentReaders) {
  CellStore store = make();
  store.push_back(cell("m", "3.12.1", "import", "main"));
  CellStore copy = store;
  copy.push_back(cell("n", "3.12.1", "import", "main"));
  copy.set_baseline(0, Outcome::pass);
  EXPECT_EQ(store.size(), 1u);
  EXPECT_FALSE(store.at(0).baseline.has_value());
  EXPECT_EQ(copy.at(1).key.module, "n");
  EXPECT_EQ(store.at(0).key.module, "m");
}

INSTANTIATE_TEST_SUITE_P(Store, BothStores, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Spooled" : "InMemory"; });

// The point of spooling (issue #6): a survey's thousands of cells, with their evidence, stay on
// disk; memory keeps an entry per cell.
TEST(SpooledStore, KeepsNoFullCellInMemory) {
  CellStore store = CellStore::spooled();
  for (int i = 0; i < 2000; ++i) {
    CellResult c = cell("m" + std::to_string(i / 20), "3.13.0", "leaks", "isolated", Outcome::crash);
    c.details["backtrace"] = std::vector<std::string>(100, std::string(100, 'x'));  // ~10 KB of evidence
    store.push_back(std::move(c));
  }
  EXPECT_EQ(store.size(), 2000u);
  EXPECT_EQ(store.resident_cells(), 0u);
  EXPECT_EQ(store.at(1999).details["backtrace"].size(), 100u);
  EXPECT_EQ(CellStore().resident_cells(), 0u);
  CellStore in_memory;
  in_memory.push_back(cell("m", "3.13.0", "import", "main"));
  EXPECT_EQ(in_memory.resident_cells(), 1u) << "the control: an in-memory store does hold its cells";
}

}  // namespace
}  // namespace isocheck
