#include "protocol/fork_request.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "supervisor/fork_server_pool.h"

namespace isocheck {
namespace {

ForkRequest sample_request() {
  ForkRequest r;
  r.working_dir = "/tmp/.isocheck-run-abc def";
  r.tag_assignment = "ISOCHECK_HOST_RUN=0000004242-0000000007";
  r.memory_limit_bytes = 4ull << 30;
  r.cpu_limit_seconds = 130;
  r.allow_core = true;
  r.args = {"cell", "--module", "p\xc3\xa4" "ckage.mod=/x y/m.so", "", "--path", "/a"};
  return r;
}

TEST(ForkRequest, EveryFieldSurvivesTheRoundTripEmptyAndNonAsciiArgumentsIncluded) {
  const ForkRequest sent = sample_request();
  const std::optional<ForkRequest> got = decode_fork_request(encode_fork_request(sent));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->working_dir, sent.working_dir);
  EXPECT_EQ(got->tag_assignment, sent.tag_assignment);
  EXPECT_EQ(got->memory_limit_bytes, sent.memory_limit_bytes);
  EXPECT_EQ(got->cpu_limit_seconds, sent.cpu_limit_seconds);
  EXPECT_TRUE(got->allow_core);
  EXPECT_EQ(got->args, sent.args);
}

TEST(ForkRequest, NoArgumentsIsNotOneEmptyArgument) {
  ForkRequest none = sample_request();
  none.args.clear();
  ForkRequest one_empty = sample_request();
  one_empty.args = {""};
  EXPECT_EQ(decode_fork_request(encode_fork_request(none))->args, std::vector<std::string>{});
  EXPECT_EQ(decode_fork_request(encode_fork_request(one_empty))->args, std::vector<std::string>{""});
}

TEST(ForkRequest, AnythingElseIsRefused) {
  const std::string good = encode_fork_request(sample_request());
  EXPECT_FALSE(decode_fork_request("").has_value());
  EXPECT_FALSE(decode_fork_request("pid 12").has_value());
  std::string wrong_magic = good;
  wrong_magic[0] = 'X';
  EXPECT_FALSE(decode_fork_request(wrong_magic).has_value());
  ForkRequest r = sample_request();
  std::string text = encode_fork_request(r);
  const std::string limit = std::to_string(r.memory_limit_bytes);
  std::string bad_number = text;
  bad_number.replace(bad_number.find(limit), limit.size(), "4G");
  EXPECT_FALSE(decode_fork_request(bad_number).has_value());
  std::string bad_flag = text;
  bad_flag.replace(bad_flag.find(std::string("\0" "1\0", 3)), 3, std::string("\0" "y\0", 3));
  EXPECT_FALSE(decode_fork_request(bad_flag).has_value());
  EXPECT_FALSE(decode_fork_request(text.substr(0, text.find(limit))).has_value());
}

struct SocketPair {
  int a = -1, b = -1;
  SocketPair() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) == 0) {
      a = fds[0];
      b = fds[1];
    }
  }
  ~SocketPair() {
    if (a >= 0) ::close(a);
    if (b >= 0) ::close(b);
  }
};

TEST(Record, AttachedFdsArriveAsWorkingDuplicatesInOrder) {
  SocketPair s;
  int first[2], second[2];
  ASSERT_EQ(::pipe(first), 0);
  ASSERT_EQ(::pipe(second), 0);
  ASSERT_TRUE(send_record(s.a, "two pipes", {first[1], second[1]}));
  ::close(first[1]);
  ::close(second[1]);
  std::optional<Record> got = receive_record(s.b);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->text, "two pipes");
  ASSERT_EQ(got->fds.size(), 2u);
  EXPECT_EQ(::write(got->fds[1], "2", 1), 1);
  EXPECT_EQ(::write(got->fds[0], "1", 1), 1);
  EXPECT_NE(::fcntl(got->fds[0], F_GETFD) & FD_CLOEXEC, 0) << "received fds must not leak into an exec";
  for (const int fd : got->fds) ::close(fd);
  char c = 0;
  EXPECT_EQ(::read(first[0], &c, 1), 1);
  EXPECT_EQ(c, '1');
  EXPECT_EQ(::read(second[0], &c, 1), 1);
  EXPECT_EQ(c, '2');
  ::close(first[0]);
  ::close(second[0]);
}

TEST(Record, EndOfStreamAndOversizedRecordsAreNoRecord) {
  SocketPair s;
  ASSERT_TRUE(send_record(s.a, std::string(100, 'x')));
  EXPECT_FALSE(receive_record(s.b, 10).has_value()) << "a record longer than the limit";
  ::close(s.a);
  s.a = -1;
  EXPECT_FALSE(receive_record(s.b).has_value()) << "the peer closed its end";
}

// An event loop that watched the socket leaves it non-blocking (process_executor.cpp): a record
// that comes later must still be waited for, not taken for the end of the stream.
TEST(Record, ANonBlockingSocketIsWaitedOn) {
  SocketPair s;
  ASSERT_EQ(::fcntl(s.b, F_SETFL, ::fcntl(s.b, F_GETFL) | O_NONBLOCK), 0);
  std::thread later([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    send_record(s.a, "status 0");
  });
  const std::optional<Record> got = receive_record(s.b);
  later.join();
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->text, "status 0");
}

// A stand-in server: answers each request with `pid`, then `status`, until EOF.
pid_t start_fake_server(int control, const std::string& pid_reply, const std::string& status_reply) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    // Only `control` stays open: a copy of the driver's end would keep EOF from ever coming.
    for (int fd = 3; fd < 1024; ++fd) {
      if (fd != control) ::close(fd);
    }
    while (std::optional<Record> r = receive_record(control)) {
      for (const int fd : r->fds) ::close(fd);
      if (!send_record(control, pid_reply) || !send_record(control, status_reply)) break;
    }
    ::_exit(0);
  }
  return pid;
}

TEST(ForkServerPool, AServerIsStartedOnceAndHandedOutAgainAfterItsCell) {
  int starts = 0;
  ForkServerPool pool([&](const std::string&, const std::vector<std::string>&, int control) {
    ++starts;
    return start_fake_server(control, "pid 4242", "status 256");
  });
  const std::vector<std::string> args = {"serve", "--python-exe", "/py"};
  std::unique_ptr<ForkServer> server = pool.acquire("host", args);
  ASSERT_NE(server, nullptr);
  int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  EXPECT_EQ(server->fork_child(sample_request(), {devnull, devnull, devnull, devnull, devnull}), 4242);
  EXPECT_EQ(server->wait_status(), 256);
  ::close(devnull);
  ForkServer* first = server.get();
  pool.release("host", args, std::move(server));
  std::unique_ptr<ForkServer> again = pool.acquire("host", args);
  EXPECT_EQ(again.get(), first);
  EXPECT_EQ(starts, 1);
  std::unique_ptr<ForkServer> second = pool.acquire("host", args);  // the first is in use
  EXPECT_NE(second, nullptr);
  EXPECT_EQ(starts, 2);
  std::unique_ptr<ForkServer> other = pool.acquire("host", {"serve", "--python-exe", "/other"});
  EXPECT_EQ(starts, 3) << "another Python gets its own server";
}

TEST(ForkServerPool, AServerThatCannotStartIsNotTriedAgain) {
  int starts = 0;
  ForkServerPool pool([&](const std::string&, const std::vector<std::string>&, int) {
    ++starts;
    return -1;
  });
  EXPECT_EQ(pool.acquire("host", {"serve"}), nullptr);
  EXPECT_EQ(pool.acquire("host", {"serve"}), nullptr);
  EXPECT_EQ(starts, 1);
}

TEST(ForkServer, AServerThatDiesGivesNoPidAndNoStatus) {
  int control[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, control), 0);
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);  // dies at once, without a word
  ::close(control[1]);
  ForkServer server(pid, control[0]);
  int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  EXPECT_FALSE(server.fork_child(sample_request(), {devnull, devnull, devnull, devnull, devnull}).has_value());
  EXPECT_FALSE(server.wait_status().has_value());
  ::close(devnull);
}

TEST(ForkServer, AMalformedReplyIsNoPid) {
  int control[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, control), 0);
  const pid_t pid = start_fake_server(control[1], "pid 12x", "status 0");
  ::close(control[1]);
  ForkServer server(pid, control[0]);
  EXPECT_FALSE(server.fork_child(sample_request(), {}).has_value());
}

}  // namespace
}  // namespace isocheck
