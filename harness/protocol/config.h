// Interpreter configs (spec/primer.md "Interpreter configs the harness uses").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace isocheck {

enum class Config { main, legacy, isolated };

inline constexpr Config kAllConfigs[] = {Config::main, Config::legacy, Config::isolated};

std::string_view to_string(Config config);
std::optional<Config> parse_config(std::string_view text);

// The column label used by reports for checks that run no interpreter (lint).
inline constexpr std::string_view kNoConfig = "-";

}  // namespace isocheck
