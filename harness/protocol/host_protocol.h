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
//
// Framing (issue #7: the module under test shares the host's process and may write anywhere,
// the result fd included). Each message travels as one record
//
//   ISOCHECK/1 <secret> <payload length> <crc32 of payload, 8 hex digits> <payload>\n
//
// where <secret> is a per-run random token the driver hands the host through a pipe the host
// reads and closes before any module code runs (never argv or the environment, which the
// module can read). A record with another secret, a wrong length or checksum, or any text
// that is not a record is rejected and kept as evidence: the driver never takes a verdict
// from a channel that carried anything its host did not write.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/outcome.h"

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

// Decodes plain message lines (the payloads). Never throws: bad lines land in `malformed`, and
// a second verdict (which a well-behaved host never sends) is treated as malformed too.
HostTranscript decode_transcript(std::string_view bytes);

// One framed record for `message` (an encode_* line, with or without its newline).
std::string frame_record(std::string_view secret, std::string_view message);
// Frames every line of `messages` (tests, and hosts that batch).
std::string frame_records(std::string_view secret, std::string_view messages);

// Decodes what a host wrote on its result fd: the payloads of the records that carry `secret`
// and a valid length and checksum, as decode_transcript does; everything else lands in
// `malformed` with the reason ("unauthenticated record: ...", "not a record: ...").
HostTranscript decode_framed_transcript(std::string_view bytes, std::string_view secret);

// A fresh random secret for one host run (32 hex digits from the OS's random source).
std::string make_run_secret();

}  // namespace isocheck
