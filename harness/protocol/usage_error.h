// A mistake in the command itself (bad option, no usable Python, unknown module, unreadable
// file): the driver prints the message as one line on stderr and exits 2 (spec/cli.md).
#pragma once

#include <stdexcept>

namespace isocheck {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

inline constexpr int kExitGatePassed = 0;
inline constexpr int kExitGateFailed = 1;
inline constexpr int kExitUsage = 2;

}  // namespace isocheck
