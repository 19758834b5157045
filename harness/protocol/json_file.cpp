#include "protocol/json_file.h"

#include <fmt/format.h>

#include <fstream>
#include <sstream>

#include "protocol/usage_error.h"

namespace isocheck {

nlohmann::ordered_json read_json_file(const std::filesystem::path& file, std::string_view what) {
  std::ifstream in(file, std::ios::binary);
  std::error_code ec;
  if (!in || std::filesystem::is_directory(file, ec)) {
    throw UsageError(fmt::format("{}: cannot read the {}", file.string(), what));
  }
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return nlohmann::ordered_json::parse(text.str());
  } catch (const nlohmann::ordered_json::parse_error& e) {
    throw UsageError(fmt::format("{}: not valid JSON ({})", file.string(), e.what()));
  }
}

}  // namespace isocheck
