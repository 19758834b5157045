// The resource limits a host process runs under (issue #7), set from inside the new process:
// by the driver's launcher between fork and exec of a spawned host (process_executor.cpp), and
// by a fork server's child for itself (host/fork_server.cpp). Plain system calls only, so that
// both places may call them.
#pragma once

namespace isocheck {

// RLIMIT_CORE: core dumps only when asked for (--keep-core), never by accident. Only the soft
// limit: lowering the hard one could not be undone by a later --keep-core further down the
// process tree (without CAP_SYS_RESOURCE).
void set_core_limit(bool allow_core);

// RLIMIT_AS at `memory_bytes` (0: left alone); RLIMIT_CPU soft at `cpu_seconds` (SIGXCPU: a
// timeout), hard a little later (SIGKILL); and RLIMIT_CORE as set_core_limit.
void set_host_limits(unsigned long long memory_bytes, long cpu_seconds, bool allow_core);

}  // namespace isocheck
