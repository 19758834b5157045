#include "core/host_protocol.h"

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

}  // namespace isocheck
