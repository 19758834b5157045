#include "protocol/config.h"

namespace isocheck {

std::string_view to_string(Config config) {
  switch (config) {
    case Config::main: return "main";
    case Config::legacy: return "legacy";
    case Config::isolated: return "isolated";
  }
  return "?";
}

std::optional<Config> parse_config(std::string_view text) {
  for (Config c : kAllConfigs) {
    if (to_string(c) == text) return c;
  }
  return std::nullopt;
}

}  // namespace isocheck
