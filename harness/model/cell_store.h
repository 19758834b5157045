// The cells of a run. A spooled store writes each cell's full result to an unlinked temporary
// file as it arrives and keeps in memory only what counts, the gate and the baseline need
// (CellEntry, ~150 bytes), so the driver's memory stays flat however many cells a survey has
// (issue #6). Readers get full cells back one at a time: by iterating (a reference valid until
// the iterator moves on) or one module at a time (of_module). A store made without a spool
// (tests, merge, reports read back from JSON) keeps everything in memory, behind the same
// interface. A cell that cannot be spooled (disk full) is kept in memory: never lost.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "model/cell.h"

namespace isocheck {

// What memory keeps of every cell.
struct CellEntry {
  CellKey key;
  Outcome outcome = Outcome::error;
  std::optional<Outcome> baseline;  // as in CellResult::baseline
  double duration_ms = 0;
  // Every outcome the cell's runs had, a bit per Outcome (model/rerun.h): more than one bit
  // for a flaky cell.
  unsigned observed = 0;
  bool flaky() const { return (observed & (observed - 1)) != 0; }
};

CellEntry entry_of(const CellResult& cell);

class CellStore {
 public:
  CellStore() = default;  // in memory
  // In memory, holding `cells` (a report read back, a test's cells).
  CellStore(std::vector<CellResult> cells);  // NOLINT(google-explicit-constructor): a store is its cells
  CellStore(std::initializer_list<CellResult> cells) : CellStore(std::vector<CellResult>(cells)) {}
  // Spooled to an unlinked file in the temporary directory; throws std::runtime_error when
  // none can be made.
  static CellStore spooled();

  void push_back(CellResult cell);
  // Room for `cells` entries at once: a vector grown by doubling holds both its old and new
  // buffers at the moment it grows, and leaves the old one as a hole (issue #6).
  void reserve(size_t cells);
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

  // Store order: arrival order, or report order after sort_into_report_order().
  const std::vector<CellEntry>& entries() const { return entries_; }
  CellResult at(size_t index) const;  // a copy: change a cell with set_baseline, or rebuild the store
  void set_baseline(size_t index, std::optional<Outcome> baseline);
  // Full cells held in memory: all of them without a spool, none with one (unless the spool
  // could not take a cell).
  size_t resident_cells() const { return memory_.size(); }
  void sort_into_report_order();

  // Every cell read back, in store order: for small stores (tests, a merge's inputs).
  std::vector<CellResult> loaded() const;

  // The cells of `module`, in store order (after sorting, one contiguous run of the store).
  std::vector<CellResult> of_module(const std::string& module) const;

  class const_iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = CellResult;
    using difference_type = std::ptrdiff_t;
    using pointer = const CellResult*;
    using reference = const CellResult&;

    const_iterator() = default;
    reference operator*() const;
    pointer operator->() const { return &**this; }
    const_iterator& operator++() {
      ++index_;
      loaded_.reset();
      return *this;
    }
    void operator++(int) { ++*this; }
    bool operator==(const const_iterator& other) const { return index_ == other.index_; }

   private:
    friend class CellStore;
    const_iterator(const CellStore* store, size_t index) : store_(store), index_(index) {}
    const CellStore* store_ = nullptr;
    size_t index_ = 0;
    mutable std::optional<CellResult> loaded_;  // the current cell, when it came from the spool
  };
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, entries_.size()}; }

 private:
  class Spool;
  // Where entry i's full result is: memory_[offset] when in_memory, else bytes of the spool.
  struct Location {
    bool in_memory = true;
    std::uint64_t offset = 0;
    std::uint32_t length = 0;
  };
  const CellResult& memory_cell(size_t index) const { return memory_[locations_[index].offset]; }
  CellResult load(size_t index) const;

  std::vector<CellEntry> entries_;
  std::vector<Location> locations_;
  std::vector<CellResult> memory_;
  std::shared_ptr<Spool> spool_;  // shared by copies: the file is append-only
};

}  // namespace isocheck
