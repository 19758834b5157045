#include "protocol/outcome.h"

namespace isocheck {

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::pass: return "pass";
    case Outcome::fail: return "fail";
    case Outcome::warn: return "warn";
    case Outcome::unsupported: return "unsupported";
    case Outcome::crash: return "crash";
    case Outcome::timeout: return "timeout";
    case Outcome::skip: return "skip";
    case Outcome::error: return "error";
  }
  return "?";
}

std::optional<Outcome> parse_outcome(std::string_view text) {
  for (Outcome o : kAllOutcomes) {
    if (to_string(o) == text) return o;
  }
  return std::nullopt;
}

bool fails_gate(Outcome outcome) {
  switch (outcome) {
    case Outcome::fail:
    case Outcome::crash:
    case Outcome::timeout:
    case Outcome::error: return true;
    default: return false;
  }
}

int severity(Outcome outcome) {
  switch (outcome) {
    case Outcome::skip: return 0;
    case Outcome::pass: return 1;
    case Outcome::warn: return 2;
    case Outcome::unsupported: return 3;
    case Outcome::fail: return 4;
    case Outcome::error: return 5;
    case Outcome::timeout: return 6;
    case Outcome::crash: return 7;
  }
  return 0;
}

Outcome worst(Outcome a, Outcome b) { return severity(b) > severity(a) ? b : a; }

}  // namespace isocheck
