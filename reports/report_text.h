// Text helpers shared by the report writers. Summaries, evidence and even module names can carry
// bytes from the module under test (exception messages, stdout), so every writer first makes the
// text valid and visible here, then escapes it for its own syntax.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/model.h"

namespace isocheck {

// Valid UTF-8 (each invalid byte becomes U+FFFD) in which control characters are shown, not
// obeyed: C0 controls other than tab (and newline, when `keep_newlines`), DEL and C1 controls
// become "\xNN" / "\u00NN"; the noncharacters U+FFFE/U+FFFF (which XML 1.0 forbids) "\uFFFE".
std::string visible_text(std::string_view text, bool keep_newlines = true);

// At most `max_bytes` bytes of valid UTF-8 `text`, cut on a character boundary, with "…"
// appended when anything was cut.
std::string shorten(std::string_view text, size_t max_bytes);

// & < > " ' as entities: safe in HTML and XML text and in double- or single-quoted attributes.
std::string markup_escape(std::string_view text);

// What a streaming writer (write_json_report, write_junit, ...) writes, as one string: for
// tests and small reports.
std::string render_to_string(void (*write)(const RunReport&, std::ostream&), const RunReport& report);

// "3.12.1 legacy teardown": how findings name a cell within a module.
std::string cell_label(const CellKey& key);

// A cell's evidence as titled text blocks, in reading order: repro command, native backtrace,
// Python traceback, gdb stacks, stdout/stderr tails, then whatever else `details` and `metrics`
// hold (as indented JSON). Raw text: callers make it visible and escape it.
std::vector<std::pair<std::string, std::string>> evidence_blocks(const CellResult& cell);

// The finding outcomes a reader must look at: those that fail the gate, and warn.
bool is_finding(Outcome outcome);

}  // namespace isocheck
