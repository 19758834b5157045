// Report files are written whole or not at all (spec/report.md): content goes to a temporary
// file in the destination directory, then rename(2) replaces the destination atomically.
#pragma once

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <string_view>

namespace isocheck {

// Throws std::runtime_error with a one-line reason when the file cannot be written.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

// The same, with the content streamed by `write` (a report of thousands of cells is never one
// string in memory; issue #6). An exception from `write` leaves the destination untouched.
void write_file_atomically(const std::filesystem::path& path, const std::function<void(std::ostream&)>& write);

// Checked before a run starts, so a bad report path fails in a second, not after the run:
// throws UsageError when `path`'s directory is missing or not writable, or `path` is a directory.
void check_writable_destination(const std::filesystem::path& path, std::string_view option);

}  // namespace isocheck
