#include "commands/shard.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "model/catalog.h"
#include "protocol/usage_error.h"
#include "model/python_target_test_support.h"

namespace isocheck {
namespace {

PythonTarget py(std::string version, std::string minor) {
  return testing::fake_python(std::move(version), std::move(minor));
}

std::vector<PlannedCell> plan(const std::vector<std::string>& modules, std::vector<std::string> checks = {}) {
  RunOptions o;
  o.modules = modules;
  if (checks.empty()) {
    for (const CheckInfo& c : check_catalog()) checks.emplace_back(c.id);
  }
  o.checks = checks;
  o.configs.assign(std::begin(kAllConfigs), std::end(kAllConfigs));
  const std::vector<PythonTarget> pythons = {py("3.12.1", "3.12"), py("3.13.0", "3.13")};
  ModuleAvailability a;
  for (const auto& m : modules) {
    for (const auto& p : pythons) a[{m, p.version}] = {"extension", "/lib/" + m + ".so"};
  }
  return plan_cells(o, pythons, a);
}

std::string name(const CellKey& k) { return k.module + ":" + k.python + ":" + k.config + ":" + k.check; }

TEST(Shard, ParsesIndexOverCount) {
  const Shard s = parse_shard("2/4");
  EXPECT_EQ(s.index, 2);
  EXPECT_EQ(s.count, 4);
  EXPECT_EQ(parse_shard("1/1").count, 1);
}

TEST(Shard, RejectsEveryMalformedSpec) {
  for (const char* bad : {"", "2", "0/3", "4/3", "1/0", "-1/2", "a/b", "1/2/3", "1/", "/2", " 1/2", "1.5/2"}) {
    EXPECT_THROW(parse_shard(bad), UsageError) << "'" << bad << "'";
  }
}

TEST(Shard, HashIsFnv1aOfTheKeyFieldsAndNeverChanges) {
  // Computed independently (Python, FNV-1a 64 over module, python, check, config, each
  // followed by 0x1f): a runner built from another commit must pick the same shard.
  EXPECT_EQ(cell_key_hash(CellKey{"good_isolated", "3.12.1", "isolated", "teardown"}), 3745817707164065154ull);
}

TEST(Shard, ShardsPartitionTheCellsExactly) {
  const auto all = plan({"alpha", "beta._speedups", "gamma"});
  ASSERT_GT(all.size(), 50u);
  for (int n : {1, 2, 3, 5, 8}) {
    std::map<std::string, int> seen;  // cell -> how many shards had it
    size_t total = 0;
    for (int i = 1; i <= n; ++i) {
      const auto part = select_shard(all, Shard{i, n});
      total += part.size();
      for (const PlannedCell& c : part) ++seen[name(c.key)];
    }
    EXPECT_EQ(total, all.size()) << n << " shards";
    EXPECT_EQ(seen.size(), all.size()) << n << " shards";
    for (const auto& [cell, times] : seen) EXPECT_EQ(times, 1) << cell << " in " << times << " of " << n << " shards";
  }
}

TEST(Shard, EveryShardGetsSomeCellsOfALargeRun) {
  const auto all = plan({"alpha", "beta", "gamma", "delta"});
  for (int i = 1; i <= 4; ++i) EXPECT_FALSE(select_shard(all, Shard{i, 4}).empty()) << "shard " << i;
}

TEST(Shard, VariantsOfACellStayTogether) {
  const auto all = plan({"alpha"}, {"teardown"});
  std::map<std::string, size_t> runs;
  for (const PlannedCell& c : all) runs[name(c.key)] = c.runs.size();
  for (int i = 1; i <= 2; ++i) {
    for (const PlannedCell& c : select_shard(all, Shard{i, 2})) {
      EXPECT_GT(c.runs.size(), 1u) << "teardown has one run per order";
      EXPECT_EQ(c.runs.size(), runs[name(c.key)]) << name(c.key);
    }
  }
}

TEST(Shard, MembershipDependsOnlyOnTheCellNotOnOrderOrOtherOptions) {
  const auto full = plan({"alpha", "beta"});
  std::map<std::string, bool> in_first;
  for (const PlannedCell& c : full) in_first[name(c.key)] = in_shard(c.key, Shard{1, 3});
  // Fewer checks, modules in the other order: every cell that remains keeps its shard.
  const auto narrower = plan({"beta", "alpha"}, {"reimport", "teardown"});
  for (const PlannedCell& c : narrower) {
    ASSERT_TRUE(in_first.count(name(c.key))) << name(c.key);
    EXPECT_EQ(in_shard(c.key, Shard{1, 3}), in_first[name(c.key)]) << name(c.key);
  }
  std::set<std::string> selected;
  for (const PlannedCell& c : select_shard(narrower, Shard{1, 3})) selected.insert(name(c.key));
  for (const PlannedCell& c : narrower) EXPECT_EQ(selected.count(name(c.key)) == 1, in_first[name(c.key)]);
}

}  // namespace
}  // namespace isocheck
