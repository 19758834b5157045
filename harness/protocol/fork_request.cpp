#include "protocol/fork_request.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

namespace isocheck {

namespace {

constexpr std::string_view kMagic = "isocheck-fork/1";

// Fields are NUL-separated: no field of a request (paths, arguments) can hold a NUL.
std::vector<std::string_view> split_fields(std::string_view message) {
  std::vector<std::string_view> fields;
  for (size_t start = 0;;) {
    const size_t end = message.find('\0', start);
    if (end == std::string_view::npos) {
      fields.push_back(message.substr(start));
      return fields;
    }
    fields.push_back(message.substr(start, end - start));
    start = end + 1;
  }
}

template <typename T>
bool parse_number(std::string_view text, T& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::string encode_fork_request(const ForkRequest& request) {
  std::string out(kMagic);
  const auto add = [&out](std::string_view field) {
    out.push_back('\0');
    out.append(field);
  };
  add(request.working_dir);
  add(request.tag_assignment);
  add(std::to_string(request.memory_limit_bytes));
  add(std::to_string(request.cpu_limit_seconds));
  add(request.allow_core ? "1" : "0");
  for (const std::string& arg : request.args) add(arg);
  return out;
}

std::optional<ForkRequest> decode_fork_request(std::string_view message) {
  const std::vector<std::string_view> fields = split_fields(message);
  if (fields.size() < 6 || fields[0] != kMagic) return std::nullopt;
  ForkRequest r;
  r.working_dir = fields[1];
  r.tag_assignment = fields[2];
  if (!parse_number(fields[3], r.memory_limit_bytes) || !parse_number(fields[4], r.cpu_limit_seconds)) {
    return std::nullopt;
  }
  if (fields[5] != "0" && fields[5] != "1") return std::nullopt;
  r.allow_core = fields[5] == "1";
  r.args.assign(fields.begin() + 6, fields.end());
  return r;
}

bool send_record(int socket, std::string_view record, const std::vector<int>& fds) {
  iovec iov{const_cast<char*>(record.data()), record.size()};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  std::vector<char> control(CMSG_SPACE(sizeof(int) * fds.size()));
  if (!fds.empty()) {
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
    cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    std::memcpy(CMSG_DATA(cmsg), fds.data(), sizeof(int) * fds.size());
  }
  for (;;) {
    const ssize_t n = ::sendmsg(socket, &msg, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    return n == static_cast<ssize_t>(record.size());
  }
}

std::optional<Record> receive_record(int socket, size_t max_bytes, size_t max_fds) {
  Record record;
  record.text.resize(max_bytes + 1);  // one more: a longer record shows as truncated
  iovec iov{record.text.data(), record.text.size()};
  std::vector<char> control(CMSG_SPACE(sizeof(int) * max_fds));
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.data();
  msg.msg_controllen = control.size();
  ssize_t n;
  while ((n = ::recvmsg(socket, &msg, MSG_CMSG_CLOEXEC)) < 0) {
    if (errno == EINTR) continue;
    // An event loop that watched the socket (process_executor.cpp) leaves it non-blocking.
    if (errno != EAGAIN) break;
    pollfd readable{socket, POLLIN, 0};
    if (::poll(&readable, 1, -1) < 0 && errno != EINTR) break;
  }
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); n >= 0 && c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    const size_t before = record.fds.size();
    record.fds.resize(before + count);
    std::memcpy(record.fds.data() + before, CMSG_DATA(c), count * sizeof(int));
  }
  const bool truncated = (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0;
  if (n <= 0 || truncated) {  // 0: EOF (the peer closed its end)
    for (const int fd : record.fds) ::close(fd);
    return std::nullopt;
  }
  record.text.resize(static_cast<size_t>(n));
  return record;
}

}  // namespace isocheck
