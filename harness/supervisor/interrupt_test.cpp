#include "supervisor/interrupt.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace isocheck {
namespace {

// interrupt_now is what the watcher thread does with a signal; calling it directly keeps the
// test process's own signal disposition untouched. (Process-wide state: CTest runs each test
// in a process of its own.)
TEST(Interrupt, KillsEveryRegisteredHostGroupRemembersTheFirstSignalAndRefusesNewHosts) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::setpgid(0, 0);
    for (;;) ::pause();
  }
  ::setpgid(child, child);  // both sides, so the group exists whoever runs first
  ASSERT_EQ(interrupt_signal(), 0);
  ASSERT_TRUE(register_host_group(child));
  EXPECT_TRUE(is_host_group(child));

  interrupt_now(SIGTERM);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(WTERMSIG(status), SIGKILL);
  EXPECT_EQ(interrupt_signal(), SIGTERM);

  interrupt_now(SIGINT);  // a second signal does not rename the interruption
  EXPECT_EQ(interrupt_signal(), SIGTERM);
  EXPECT_FALSE(register_host_group(::getpid() + 100000));  // a host starting now must kill itself
  unregister_host_group(child);
  EXPECT_FALSE(is_host_group(child));
}

}  // namespace
}  // namespace isocheck
