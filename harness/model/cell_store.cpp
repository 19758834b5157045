#include "model/cell_store.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <numeric>
#include <stdexcept>

#include "model/model.h"
#include "model/rerun.h"

namespace isocheck {

using nlohmann::ordered_json;

// An append-only file that is gone as soon as its last descriptor closes.
class CellStore::Spool {
 public:
  Spool() {
    const std::string dir = std::filesystem::temp_directory_path().string();
    fd_ = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd_ < 0) {  // a filesystem without O_TMPFILE: create, then unlink at once
      std::string pattern = dir + "/.isocheck-cells-XXXXXX";
      fd_ = ::mkostemp(pattern.data(), O_CLOEXEC);
      if (fd_ >= 0) ::unlink(pattern.c_str());
    }
    if (fd_ < 0) throw std::runtime_error(fmt::format("cannot make a spool file in {}: {}", dir, std::strerror(errno)));
  }
  ~Spool() { ::close(fd_); }
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Appends; returns the offset, or nullopt when the bytes could not all be written.
  std::optional<std::uint64_t> append(const std::vector<std::uint8_t>& bytes) {
    const std::uint64_t at = end_;
    size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::pwrite(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(at + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return std::nullopt;
      done += static_cast<size_t>(n);
    }
    end_ += bytes.size();
    return at;
  }

  std::vector<std::uint8_t> read(std::uint64_t offset, std::uint32_t length) const {
    std::vector<std::uint8_t> bytes(length);
    size_t done = 0;
    while (done < length) {
      const ssize_t n = ::pread(fd_, bytes.data() + done, length - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw std::runtime_error(fmt::format("cannot read back a spooled cell: {}", std::strerror(errno)));
      done += static_cast<size_t>(n);
    }
    return bytes;
  }

 private:
  int fd_ = -1;
  std::uint64_t end_ = 0;
};

namespace {

// CBOR keeps every byte of the module's output as it was (JSON text would have to replace
// invalid UTF-8 here, before the writers that show it escaped).
std::vector<std::uint8_t> encode(const CellResult& c) {
  const ordered_json j = {{"summary", c.summary}, {"details", c.details}, {"metrics", c.metrics}, {"repro", c.repro}};
  return ordered_json::to_cbor(j);
}

CellResult decode(const std::vector<std::uint8_t>& bytes, const CellEntry& entry) {
  const ordered_json j = ordered_json::from_cbor(bytes);
  CellResult c;
  c.key = entry.key;
  c.outcome = entry.outcome;
  c.baseline = entry.baseline;
  c.summary = j.at("summary").get<std::string>();
  c.details = j.at("details");
  c.metrics = j.at("metrics");
  c.duration_ms = entry.duration_ms;
  c.repro = j.at("repro").get<std::string>();
  return c;
}

}  // namespace

CellEntry entry_of(const CellResult& cell) {
  return {cell.key, cell.outcome, cell.baseline, cell.duration_ms, observed_outcomes(cell.outcome, cell.details)};
}

CellStore::CellStore(std::vector<CellResult> cells) {
  for (CellResult& c : cells) push_back(std::move(c));
}

CellStore CellStore::spooled() {
  CellStore store;
  store.spool_ = std::make_shared<Spool>();
  return store;
}

void CellStore::push_back(CellResult cell) {
  Location where;
  if (spool_) {
    const std::vector<std::uint8_t> bytes = encode(cell);
    if (const auto offset = spool_->append(bytes)) where = {false, *offset, static_cast<std::uint32_t>(bytes.size())};
  }
  entries_.push_back(entry_of(cell));
  if (where.in_memory) {
    where.offset = memory_.size();
    memory_.push_back(std::move(cell));
  }
  locations_.push_back(where);
}

void CellStore::reserve(size_t cells) {
  entries_.reserve(cells);
  locations_.reserve(cells);
}

CellResult CellStore::load(size_t index) const {
  const Location& where = locations_.at(index);
  if (where.in_memory) return memory_cell(index);
  return decode(spool_->read(where.offset, where.length), entries_[index]);
}

CellResult CellStore::at(size_t index) const { return load(index); }

void CellStore::set_baseline(size_t index, std::optional<Outcome> baseline) {
  entries_.at(index).baseline = baseline;
  if (locations_[index].in_memory) memory_[locations_[index].offset].baseline = baseline;
}

void CellStore::sort_into_report_order() {
  std::vector<size_t> order(entries_.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return report_order(entries_[a].key, entries_[b].key); });
  std::vector<CellEntry> entries;
  std::vector<Location> locations;
  entries.reserve(order.size());
  locations.reserve(order.size());
  for (size_t i : order) {
    entries.push_back(std::move(entries_[i]));
    locations.push_back(locations_[i]);
  }
  entries_ = std::move(entries);
  locations_ = std::move(locations);
}

std::vector<CellResult> CellStore::loaded() const {
  std::vector<CellResult> cells;
  cells.reserve(size());
  for (size_t i = 0; i < size(); ++i) cells.push_back(load(i));
  return cells;
}

std::vector<CellResult> CellStore::of_module(const std::string& module) const {
  std::vector<CellResult> cells;
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].key.module == module) cells.push_back(load(i));
  }
  return cells;
}

CellStore::const_iterator::reference CellStore::const_iterator::operator*() const {
  if (store_->locations_.at(index_).in_memory) return store_->memory_cell(index_);
  if (!loaded_) loaded_ = store_->load(index_);
  return *loaded_;
}

}  // namespace isocheck
