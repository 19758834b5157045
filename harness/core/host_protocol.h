// The host -> driver protocol: one JSON object per line, written by the host on a dedicated
// file descriptor (never stdout/stderr, which belong to the module under test).
//
//   {"event":"progress","step":"cycle 3 of 10: import"}       zero or more, flushed at once
//   {"event":"hint","text":"..."}      why a crash that may follow is likely (version-specific
//                                      knowledge only the host has), added to a crash summary
//   {"event":"verdict","outcome":"pass","summary":"...","details":{...},"metrics":{...}}
//   {"event":"description", ...}                               `describe` mode only
//
// The last progress step tells where a crashed host died; a run without a verdict did not
// finish, whatever its exit status says.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/outcome.h"

namespace isocheck {

struct HostVerdict {
  Outcome outcome = Outcome::error;
  std::string summary;
  nlohmann::ordered_json details = nlohmann::ordered_json::object();
  nlohmann::ordered_json metrics = nlohmann::ordered_json::object();
};

std::string encode_progress(std::string_view step);
std::string encode_hint(std::string_view text);
std::string encode_verdict(const HostVerdict& verdict);
std::string encode_description(const nlohmann::ordered_json& description);

struct HostTranscript {
  std::vector<std::string> progress;
  std::vector<std::string> hints;
  std::optional<HostVerdict> verdict;
  std::optional<nlohmann::ordered_json> description;
  std::vector<std::string> malformed;  // lines that were not valid protocol messages
};

// Decodes everything the host wrote. Never throws: bad lines land in `malformed`, and a
// second verdict (which a well-behaved host never sends) is treated as malformed too.
HostTranscript decode_transcript(std::string_view bytes);

}  // namespace isocheck
