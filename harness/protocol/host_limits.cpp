#include "protocol/host_limits.h"

#include <sys/resource.h>

namespace isocheck {

void set_core_limit(bool allow_core) {
  rlimit limit{};
  ::getrlimit(RLIMIT_CORE, &limit);
  limit.rlim_cur = allow_core ? limit.rlim_max : 0;
  ::setrlimit(RLIMIT_CORE, &limit);
}

void set_host_limits(unsigned long long memory_bytes, long cpu_seconds, bool allow_core) {
  if (memory_bytes != 0) {
    const rlimit as{memory_bytes, memory_bytes};
    ::setrlimit(RLIMIT_AS, &as);
  }
  const rlimit cpu{static_cast<rlim_t>(cpu_seconds), static_cast<rlim_t>(cpu_seconds + 5)};
  ::setrlimit(RLIMIT_CPU, &cpu);
  set_core_limit(allow_core);
}

}  // namespace isocheck
