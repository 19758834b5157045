// --shard I/N: a stable 1/N of a run's cells, so N CI runners can share one run and
// `isocheck merge` can put the reports back together (docs/ci.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/model.h"
#include "supervisor/plan.h"

namespace isocheck {

struct Shard {
  int index = 1;  // 1-based
  int count = 1;
};

// Parses "I/N" with 1 <= I <= N. Throws UsageError naming --shard.
Shard parse_shard(const std::string& text);

// A fixed hash (64-bit FNV-1a) of the cell key (module, python version, check, config). It depends
// on nothing else: not on the other cells, their order, or the other options, so every runner
// that plans the same cells puts each one in the same shard.
std::uint64_t cell_key_hash(const CellKey& key);

bool in_shard(const CellKey& key, const Shard& shard);

// The planned cells of this shard, in their planned order. A cell's variants are runs of one
// PlannedCell, so they always stay together.
std::vector<PlannedCell> select_shard(std::vector<PlannedCell> cells, const Shard& shard);

}  // namespace isocheck
