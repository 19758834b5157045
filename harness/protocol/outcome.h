// The closed vocabulary of cell outcomes (spec/checks.md). Every mapping from something that
// happened (a host verdict, an exit status, a signal, a timer) to an Outcome lives in
// classify.h; this header only names them and orders them.
#pragma once

#include <optional>
#include <string_view>

namespace isocheck {

enum class Outcome { pass, fail, warn, unsupported, crash, timeout, skip, error };

inline constexpr Outcome kAllOutcomes[] = {Outcome::pass, Outcome::fail,    Outcome::warn,
                                           Outcome::unsupported, Outcome::crash,
                                           Outcome::timeout, Outcome::skip, Outcome::error};

std::string_view to_string(Outcome outcome);
std::optional<Outcome> parse_outcome(std::string_view text);

// Whether the outcome fails the gate by default (before --baseline and --require).
bool fails_gate(Outcome outcome);

// Rank used to pick the worst of several outcomes (a check run as several variants, a
// summary cell): crash > timeout > error > fail > unsupported > warn > pass > skip.
int severity(Outcome outcome);
Outcome worst(Outcome a, Outcome b);

}  // namespace isocheck
