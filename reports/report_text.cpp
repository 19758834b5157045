#include "reports/report_text.h"

#include <sstream>

#include <fmt/format.h>

#include <algorithm>

namespace isocheck {

namespace {

// Length of the valid UTF-8 sequence starting at text[i] and its code point, or 0 when the
// bytes there are not one (overlong forms, surrogates and values past U+10FFFF included).
size_t utf8_sequence(std::string_view text, size_t i, char32_t& cp) {
  const auto b0 = static_cast<unsigned char>(text[i]);
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  size_t len = 0;
  char32_t min = 0;
  if ((b0 & 0xe0) == 0xc0) {
    len = 2, cp = b0 & 0x1f, min = 0x80;
  } else if ((b0 & 0xf0) == 0xe0) {
    len = 3, cp = b0 & 0x0f, min = 0x800;
  } else if ((b0 & 0xf8) == 0xf0) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > text.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(text[i + k]);
    if ((b & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return len;
}

}  // namespace

std::string visible_text(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    const size_t len = utf8_sequence(text, i, cp);
    if (len == 0) {
      out += "\xef\xbf\xbd";  // U+FFFD REPLACEMENT CHARACTER
      ++i;
      continue;
    }
    if ((cp == '\n' && keep_newlines) || cp == '\t') {
      out += static_cast<char>(cp);
    } else if (cp < 0x20 || cp == 0x7f) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned>(cp));
    } else if (cp >= 0x80 && cp <= 0x9f) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(cp));  // C1; U+009B is a terminal CSI
    } else if (cp == 0xfffe || cp == 0xffff) {
      out += fmt::format("\\u{:04X}", static_cast<unsigned>(cp));
    } else {
      out.append(text.substr(i, len));
    }
    i += len;
  }
  return out;
}

std::string shorten(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t cut = max_bytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80) --cut;  // not mid-character
  return std::string(text.substr(0, cut)) + "…";
}

std::string markup_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string render_to_string(void (*write)(const RunReport&, std::ostream&), const RunReport& report) {
  std::ostringstream out;
  write(report, out);
  return out.str();
}

std::string cell_label(const CellKey& key) { return fmt::format("{} {} {}", key.python, key.config, key.check); }

bool is_finding(Outcome outcome) { return fails_gate(outcome) || outcome == Outcome::warn; }

std::vector<std::pair<std::string, std::string>> evidence_blocks(const CellResult& cell) {
  std::vector<std::pair<std::string, std::string>> blocks;
  if (!cell.repro.empty()) blocks.emplace_back("repro", cell.repro);
  nlohmann::ordered_json rest = cell.details;
  auto take_text = [&](const char* key, const char* title) {
    if (!rest.is_object() || !rest.contains(key)) return;
    const nlohmann::ordered_json& value = rest[key];
    std::string text;
    if (value.is_string()) {
      text = value.get<std::string>();
    } else if (value.is_array() && std::all_of(value.begin(), value.end(), [](auto& v) { return v.is_string(); })) {
      for (const auto& line : value) text += line.template get<std::string>() + "\n";
    } else {
      return;  // an unexpected shape stays in the JSON block below
    }
    blocks.emplace_back(title, text);
    rest.erase(key);
  };
  take_text("backtrace", "native backtrace");
  take_text("python_traceback", "Python traceback");
  take_text("gdb_native_stacks", "native stacks (gdb)");
  take_text("stdout_tail", "stdout (tail)");
  take_text("stderr_tail", "stderr (tail)");
  constexpr auto kReplace = nlohmann::ordered_json::error_handler_t::replace;
  if (!rest.empty()) blocks.emplace_back("details", rest.dump(2, ' ', false, kReplace));
  if (!cell.metrics.empty()) blocks.emplace_back("metrics", cell.metrics.dump(2, ' ', false, kReplace));
  return blocks;
}

}  // namespace isocheck
