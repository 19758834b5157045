#include "protocol/host_protocol.h"

#include <boost/crc.hpp>
#include <fmt/format.h>

#include <charconv>
#include <random>

namespace isocheck {

using nlohmann::ordered_json;

std::string encode_progress(std::string_view step) {
  ordered_json j{{"event", "progress"}, {"step", std::string(step)}};
  return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

std::string encode_hint(std::string_view text) {
  ordered_json j{{"event", "hint"}, {"text", std::string(text)}};
  return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

std::string encode_verdict(const HostVerdict& verdict) {
  ordered_json j{{"event", "verdict"},
                 {"outcome", std::string(to_string(verdict.outcome))},
                 {"summary", verdict.summary},
                 {"details", verdict.details},
                 {"metrics", verdict.metrics}};
  return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

std::string encode_description(const ordered_json& description) {
  ordered_json j = description;
  j["event"] = "description";
  return j.dump(-1, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

namespace {

std::optional<HostVerdict> parse_verdict(const ordered_json& j) {
  if (!j.contains("outcome") || !j["outcome"].is_string()) return std::nullopt;
  if (!j.contains("summary") || !j["summary"].is_string()) return std::nullopt;
  auto outcome = parse_outcome(j["outcome"].get<std::string>());
  if (!outcome) return std::nullopt;
  HostVerdict v;
  v.outcome = *outcome;
  v.summary = j["summary"].get<std::string>();
  if (j.contains("details") && j["details"].is_object()) v.details = j["details"];
  if (j.contains("metrics") && j["metrics"].is_object()) v.metrics = j["metrics"];
  return v;
}

}  // namespace

HostTranscript decode_transcript(std::string_view bytes) {
  HostTranscript t;
  while (!bytes.empty()) {
    size_t end = bytes.find('\n');
    std::string_view line = bytes.substr(0, end);
    bytes = end == std::string_view::npos ? std::string_view{} : bytes.substr(end + 1);
    if (line.empty()) continue;
    ordered_json j = ordered_json::parse(line, nullptr, /*allow_exceptions=*/false);
    const bool is_event = j.is_object() && j.contains("event") && j["event"].is_string();
    const std::string event = is_event ? j["event"].get<std::string>() : "";
    if (event == "progress" && j.contains("step") && j["step"].is_string()) {
      t.progress.push_back(j["step"].get<std::string>());
    } else if (event == "hint" && j.contains("text") && j["text"].is_string()) {
      t.hints.push_back(j["text"].get<std::string>());
    } else if (event == "verdict" && !t.verdict) {
      if (auto v = parse_verdict(j)) {
        t.verdict = std::move(v);
        continue;
      }
      t.malformed.emplace_back(line);
    } else if (event == "description" && !t.description) {
      j.erase("event");
      t.description = std::move(j);
    } else {
      t.malformed.emplace_back(line);
    }
  }
  return t;
}

namespace {

constexpr std::string_view kRecordTag = "ISOCHECK/1 ";

uint32_t crc32_of(std::string_view bytes) {
  boost::crc_32_type crc;
  crc.process_bytes(bytes.data(), bytes.size());
  return crc.checksum();
}

// Evidence is kept, but bounded: a module can flood the channel.
std::string excerpt(std::string_view line) {
  constexpr size_t kMax = 200;
  return line.size() <= kMax ? std::string(line) : std::string(line.substr(0, kMax)) + "...";
}

// Takes the next space-separated field off the front of `rest`.
std::string_view next_field(std::string_view& rest) {
  const size_t space = rest.find(' ');
  if (space == std::string_view::npos) {
    std::string_view field = rest;
    rest = {};
    return field;
  }
  std::string_view field = rest.substr(0, space);
  rest.remove_prefix(space + 1);
  return field;
}

// The payload of one framed record, or the reason it is rejected.
struct Unframed {
  std::string payload;
  std::string problem;
};

Unframed unframe(std::string_view line, std::string_view secret) {
  if (!line.starts_with(kRecordTag)) return {"", "not a record: " + excerpt(line)};
  std::string_view rest = line.substr(kRecordTag.size());
  const std::string_view token = next_field(rest);
  const std::string_view length_text = next_field(rest);
  const std::string_view crc_text = next_field(rest);
  if (token != secret) return {"", "unauthenticated record (wrong secret): " + excerpt(line)};
  size_t length = 0;
  uint32_t crc = 0;
  const auto length_ok = std::from_chars(length_text.data(), length_text.data() + length_text.size(), length);
  const auto crc_ok = std::from_chars(crc_text.data(), crc_text.data() + crc_text.size(), crc, 16);
  if (length_ok.ec != std::errc() || length_ok.ptr != length_text.data() + length_text.size() ||
      crc_ok.ec != std::errc() || crc_ok.ptr != crc_text.data() + crc_text.size() || crc_text.size() != 8) {
    return {"", "malformed record header: " + excerpt(line)};
  }
  if (rest.size() != length) {
    return {"", fmt::format("record of {} bytes where its header says {}: {}", rest.size(), length, excerpt(line))};
  }
  if (crc32_of(rest) != crc) return {"", "record with a wrong checksum: " + excerpt(line)};
  return {std::string(rest), ""};
}

}  // namespace

std::string frame_record(std::string_view secret, std::string_view message) {
  if (message.ends_with('\n')) message.remove_suffix(1);
  return fmt::format("{}{} {} {:08x} {}\n", kRecordTag, secret, message.size(), crc32_of(message), message);
}

std::string frame_records(std::string_view secret, std::string_view messages) {
  std::string framed;
  while (!messages.empty()) {
    const size_t end = messages.find('\n');
    framed += frame_record(secret, messages.substr(0, end));
    messages = end == std::string_view::npos ? std::string_view{} : messages.substr(end + 1);
  }
  return framed;
}

HostTranscript decode_framed_transcript(std::string_view bytes, std::string_view secret) {
  std::string payloads;
  std::vector<std::string> rejected;
  while (!bytes.empty()) {
    const size_t end = bytes.find('\n');
    const std::string_view line = bytes.substr(0, end);
    bytes = end == std::string_view::npos ? std::string_view{} : bytes.substr(end + 1);
    if (line.empty()) continue;
    Unframed record = unframe(line, secret);
    if (!record.problem.empty()) {
      rejected.push_back(std::move(record.problem));
    } else {
      payloads += record.payload + "\n";
    }
  }
  HostTranscript t = decode_transcript(payloads);
  t.malformed.insert(t.malformed.begin(), rejected.begin(), rejected.end());
  return t;
}

std::string make_run_secret() {
  std::random_device source;  // getrandom(2) on Linux
  std::string secret;
  for (int i = 0; i < 4; ++i) secret += fmt::format("{:08x}", static_cast<uint32_t>(source()));
  return secret;
}

}  // namespace isocheck
