#include "core/module_args.h"

#include <elf.h>
#include <fmt/format.h>

#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/usage_error.h"

namespace isocheck {

namespace fs = std::filesystem;

namespace {

bool is_dotted_identifier(const std::string& name) {
  if (name.empty() || name.front() == '.' || name.back() == '.') return false;
  bool at_start = true;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '.') {
      if (at_start) return false;
      at_start = true;
    } else if (std::isalpha(u) || c == '_' || u >= 0x80 || (!at_start && std::isdigit(u))) {
      at_start = false;
    } else {
      return false;
    }
  }
  return true;
}

void require_shared_object(const std::string& arg, const fs::path& file) {
  std::error_code ec;
  if (!fs::exists(file, ec)) throw UsageError(fmt::format("{}: {} does not exist", arg, file.string()));
  std::ifstream in(file, std::ios::binary);
  if (!in) throw UsageError(fmt::format("{}: {} is not readable", arg, file.string()));
  Elf64_Ehdr header{};
  in.read(reinterpret_cast<char*>(&header), sizeof header);
  if (in.gcount() < static_cast<std::streamsize>(sizeof header) || std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0) {
    throw UsageError(fmt::format("{}: {} is not a shared object (no ELF header)", arg, file.string()));
  }
  if (header.e_type != ET_DYN) {
    throw UsageError(fmt::format("{}: {} is an ELF file but not a shared object", arg, file.string()));
  }
}

}  // namespace

std::string normalise_module_arg(const std::string& arg) {
  const size_t eq = arg.find('=');
  const std::string name = arg.substr(0, eq);
  if (!is_dotted_identifier(name)) {
    throw UsageError(fmt::format("{}: not a module name (expected NAME or NAME=FILE.so)", arg));
  }
  if (eq == std::string::npos) return arg;
  if (eq + 1 == arg.size()) throw UsageError(fmt::format("{}: no file after '=' (expected NAME=FILE.so)", arg));
  const fs::path file = fs::absolute(arg.substr(eq + 1));
  require_shared_object(arg, file);
  return name + "=" + file.lexically_normal().string();
}

}  // namespace isocheck
