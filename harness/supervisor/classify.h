// The one place where what happened to a host process becomes a cell outcome
// (spec/checks.md; style.md 4): a signal is `crash` with its name (WTERMSIG, never the exit
// code), the driver's timer is `timeout`, a host that could not start is `error`, and a host
// that ended without a verdict died -- it never counts as a pass.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/executor.h"
#include "supervisor/forensics.h"
#include "protocol/host_protocol.h"

namespace isocheck {

// "SIGSEGV" for 11; "signal 99" for numbers the C library does not name.
std::string signal_name(int signal);

// Maps one finished host run to a verdict, with the evidence (last progress step, signal,
// stdout/stderr tails) in details.
HostVerdict classify_run(const HostRun& run, std::chrono::milliseconds timeout,
                         const Symbolizer& symbolizer = in_process_symbolizer());

// Combines the verdicts of a check's variants (each run in its own process) into one cell:
// the worst outcome wins, the summary names the variants that produced it, and every
// variant's verdict stays in details.variants.
// Adds the host's explanation (details.hints) to the summary of a crash or timeout, once per
// cell, after variants are merged.
void append_hint(HostVerdict& verdict);

HostVerdict merge_variants(const std::vector<std::pair<std::string, HostVerdict>>& variants);

}  // namespace isocheck
