#include "commands/shard.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "protocol/usage_error.h"

namespace isocheck {

namespace {

bool parse_positive(std::string_view text, int& value) {
  if (text.empty()) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size() && value >= 1;
}

constexpr std::uint64_t kFnvOffset = 14695981039346656037ull;
constexpr std::uint64_t kFnvPrime = 1099511628211ull;

void hash_field(std::uint64_t& h, const std::string& field) {
  for (unsigned char c : field) {
    h ^= c;
    h *= kFnvPrime;
  }
  h ^= 0x1f;  // a separator no field contains, so ("ab","c") and ("a","bc") differ
  h *= kFnvPrime;
}

}  // namespace

Shard parse_shard(const std::string& text) {
  const size_t slash = text.find('/');
  Shard s;
  if (slash == std::string::npos || !parse_positive(std::string_view(text).substr(0, slash), s.index) ||
      !parse_positive(std::string_view(text).substr(slash + 1), s.count) || s.index > s.count) {
    throw UsageError(fmt::format("--shard {}: expected I/N with 1 <= I <= N, e.g. 2/4", text));
  }
  return s;
}

std::uint64_t cell_key_hash(const CellKey& key) {
  std::uint64_t h = kFnvOffset;
  hash_field(h, key.module);
  hash_field(h, key.python);
  hash_field(h, key.check);
  hash_field(h, key.config);
  return h;
}

bool in_shard(const CellKey& key, const Shard& shard) {
  return cell_key_hash(key) % static_cast<std::uint64_t>(shard.count) == static_cast<std::uint64_t>(shard.index - 1);
}

std::vector<PlannedCell> select_shard(std::vector<PlannedCell> cells, const Shard& shard) {
  std::erase_if(cells, [&](const PlannedCell& c) { return !in_shard(c.key, shard); });
  return cells;
}

}  // namespace isocheck
