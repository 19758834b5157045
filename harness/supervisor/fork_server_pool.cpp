#include "supervisor/fork_server_pool.h"

#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

namespace isocheck {

namespace {

// "pid 123" / "status 0": the number after `word `, or nullopt.
std::optional<long> field(const std::optional<Record>& record, std::string_view word) {
  if (!record || record->text.size() <= word.size() + 1 || !record->text.starts_with(word) ||
      record->text[word.size()] != ' ') {
    return std::nullopt;
  }
  long value = 0;
  const char* begin = record->text.data() + word.size() + 1;
  const char* end = record->text.data() + record->text.size();
  const auto [stop, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || stop != end) return std::nullopt;
  return value;
}

}  // namespace

ForkServer::~ForkServer() {
  ::close(control_);
  while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
  }
}

std::optional<pid_t> ForkServer::fork_child(const ForkRequest& request, const std::vector<int>& fds) {
  if (!send_record(control_, encode_fork_request(request), fds)) return std::nullopt;
  const std::optional<long> pid = field(receive_record(control_, 256, 0), "pid");
  if (!pid || *pid <= 0) return std::nullopt;
  return static_cast<pid_t>(*pid);
}

std::optional<int> ForkServer::wait_status() {
  const std::optional<long> status = field(receive_record(control_, 256, 0), "status");
  if (!status) return std::nullopt;
  return static_cast<int>(*status);
}

std::unique_ptr<ForkServer> ForkServerPool::acquire(const std::string& executable,
                                                    const std::vector<std::string>& args) {
  const Key key{executable, args};
  {
    std::lock_guard lock(mutex_);
    if (broken_.contains(key)) return nullptr;
    auto& idle = idle_[key];
    if (!idle.empty()) {
      std::unique_ptr<ForkServer> server = std::move(idle.back());
      idle.pop_back();
      return server;
    }
  }
  // Started outside the lock: another worker may start one for another Python meanwhile.
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ends) != 0) return nullptr;
  const pid_t pid = starter_(executable, args, ends[1]);
  ::close(ends[1]);
  if (pid <= 0) {
    ::close(ends[0]);
    give_up(executable, args);
    return nullptr;
  }
  return std::make_unique<ForkServer>(pid, ends[0]);
}

void ForkServerPool::release(const std::string& executable, const std::vector<std::string>& args,
                             std::unique_ptr<ForkServer> server) {
  std::lock_guard lock(mutex_);
  idle_[Key{executable, args}].push_back(std::move(server));
}

void ForkServerPool::give_up(const std::string& executable, const std::vector<std::string>& args) {
  std::lock_guard lock(mutex_);
  broken_.insert(Key{executable, args});
}

void ForkServerPool::clear() {
  std::map<Key, std::vector<std::unique_ptr<ForkServer>>> ending;
  {
    std::lock_guard lock(mutex_);
    ending.swap(idle_);
  }
  // Destroyed here, outside the lock: each closes its socket and reaps its server.
}

}  // namespace isocheck
