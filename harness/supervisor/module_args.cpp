#include "supervisor/module_args.h"

#include <elf.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <gelf.h>
#include <libelf.h>
#include <unistd.h>

#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <vector>
#include <algorithm>
#include <regex>

#include "protocol/usage_error.h"

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

namespace {

// "3.13", "3.13.0" or a debug build's "3.14d", then ':'; the selector's length, or 0 when
// `value` does not start so.
size_t selector_length(std::string_view value) {
  // A debug build is a Python of its own: "3.14d", "3.14.8d" (pythons.cpp).
  static const std::regex selector(R"(^[0-9]+\.[0-9]+(\.[0-9]+)?d?:)");
  std::match_results<std::string_view::const_iterator> match;
  if (!std::regex_search(value.begin(), value.end(), match, selector)) return 0;
  return static_cast<size_t>(match.length(0)) - 1;
}

// The (selector, rest) pairs of "SEL:X,SEL:Y"; throws UsageError naming `arg` for an entry
// without a selector or a selector given twice.
std::vector<std::pair<std::string, std::string>> split_per_python(const std::string& arg, std::string_view list) {
  std::vector<std::pair<std::string, std::string>> entries;
  size_t start = 0;
  while (start <= list.size()) {
    const size_t comma = std::min(list.find(',', start), list.size());
    const std::string_view entry = list.substr(start, comma - start);
    const size_t length = selector_length(entry);
    if (length == 0 || length + 1 == entry.size()) {
      throw UsageError(fmt::format("{}: '{}' is not VERSION:FILE (expected NAME=3.12:FILE,3.13:FILE)", arg, entry));
    }
    std::string selector(entry.substr(0, length));
    if (std::any_of(entries.begin(), entries.end(), [&](const auto& e) { return e.first == selector; })) {
      throw UsageError(fmt::format("{}: Python {} is given more than one file", arg, selector));
    }
    entries.emplace_back(std::move(selector), std::string(entry.substr(length + 1)));
    start = comma + 1;
  }
  return entries;
}

std::string absolute_shared_object(const std::string& arg, const std::string& file) {
  const fs::path absolute = fs::absolute(file);
  require_shared_object(arg, absolute);
  return absolute.lexically_normal().string();
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
  const std::string_view value = std::string_view(arg).substr(eq + 1);
  if (selector_length(value) == 0) return name + "=" + absolute_shared_object(arg, std::string(value));
  std::string normalised = name + "=";
  for (const auto& [selector, file] : split_per_python(arg, value)) {
    if (normalised.back() != '=') normalised += ',';
    normalised += selector + ":" + absolute_shared_object(arg, file);
  }
  return normalised;
}

std::string normalise_path_arg(const std::string& arg) {
  const auto [selector, dir_text] = split_python_selector(arg);
  const std::string dir(dir_text);
  std::error_code ec;
  if (dir.empty() || !fs::is_directory(dir, ec)) throw UsageError(fmt::format("--path {}: not a directory", arg));
  if (::access(dir.c_str(), R_OK | X_OK) != 0) throw UsageError(fmt::format("--path {}: not readable", arg));
  fs::path absolute = fs::absolute(dir).lexically_normal();
  // "DIR/." normalises to "DIR/": drop the separator so that one directory has one spelling.
  if (!absolute.has_filename() && absolute != absolute.root_path()) absolute = absolute.parent_path();
  return selector.empty() ? absolute.string() : fmt::format("{}:{}", selector, absolute.string());
}

std::pair<std::string_view, std::string_view> split_python_selector(std::string_view value) {
  const size_t length = selector_length(value);
  if (length == 0) return {std::string_view(), value};
  return {value.substr(0, length), value.substr(length + 1)};
}

bool python_selector_matches(std::string_view selector, const PythonTarget& python) {
  return selector == python.minor || selector == python.version;
}

std::optional<std::string> module_arg_for_python(const std::string& normalised_arg, const PythonTarget& python) {
  const size_t eq = normalised_arg.find('=');
  if (eq == std::string::npos) return normalised_arg;
  const std::string_view value = std::string_view(normalised_arg).substr(eq + 1);
  if (selector_length(value) == 0) return normalised_arg;
  std::optional<std::string> by_minor;
  for (const auto& [selector, file] : split_per_python(normalised_arg, value)) {
    if (selector == python.version) return normalised_arg.substr(0, eq + 1) + file;
    if (python_selector_matches(selector, python)) by_minor = normalised_arg.substr(0, eq + 1) + file;
  }
  return by_minor;
}

std::vector<std::string> paths_for_python(const std::vector<std::string>& normalised_paths,
                                          const PythonTarget& python) {
  std::vector<std::string> paths;
  for (const std::string& path : normalised_paths) {
    const auto [selector, dir] = split_python_selector(path);
    if (selector.empty() || python_selector_matches(selector, python)) paths.emplace_back(dir);
  }
  return paths;
}

namespace {

// Reads the dynamic symbol table; "" and the exported names, or the reason it cannot.
std::string read_dynamic_symbols(const std::string& so_path, std::vector<std::string>& names) {
  if (elf_version(EV_CURRENT) == EV_NONE) return "libelf is out of date";
  const int fd = ::open(so_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";  // nothing to judge by: the host's import will say what is wrong
  std::string problem;
  Elf* elf = elf_begin(fd, ELF_C_READ, nullptr);
  const off_t file_size = ::lseek(fd, 0, SEEK_END);
  if (elf == nullptr || elf_kind(elf) != ELF_K_ELF) {
    problem = "is not an ELF file";
  } else if (GElf_Ehdr ehdr; gelf_getehdr(elf, &ehdr) == nullptr ||
             ehdr.e_shoff + static_cast<uint64_t>(ehdr.e_shnum) * ehdr.e_shentsize > static_cast<uint64_t>(file_size)) {
    problem = fmt::format("is truncated: its section headers lie past its end ({} bytes)", file_size);
  } else {
    bool has_dynsym = false;
    for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn != nullptr && problem.empty(); scn = elf_nextscn(elf, scn)) {
      GElf_Shdr header;
      if (gelf_getshdr(scn, &header) == nullptr) {
        problem = fmt::format("is truncated or corrupt ({})", elf_errmsg(-1));
      } else if (header.sh_type != SHT_NOBITS && header.sh_offset + header.sh_size > static_cast<uint64_t>(file_size)) {
        problem = fmt::format("is truncated: its sections need {} bytes, the file has {}",
                              header.sh_offset + header.sh_size, file_size);
      } else if (header.sh_type == SHT_DYNSYM) {
        has_dynsym = true;
        Elf_Data* data = elf_getdata(scn, nullptr);
        const size_t count = header.sh_entsize == 0 ? 0 : header.sh_size / header.sh_entsize;
        for (size_t i = 0; data != nullptr && i < count; ++i) {
          GElf_Sym sym;
          if (gelf_getsym(data, static_cast<int>(i), &sym) == nullptr || sym.st_shndx == SHN_UNDEF) continue;
          if (const char* name = elf_strptr(elf, header.sh_link, sym.st_name)) names.emplace_back(name);
        }
      }
    }
    if (problem.empty() && !has_dynsym) problem = "has no dynamic symbol table (is it truncated?)";
  }
  if (elf != nullptr) elf_end(elf);
  ::close(fd);
  return problem;
}

}  // namespace

std::string extension_file_problem(const std::string& so_path, const std::string& module,
                                   const std::string& python_minor) {
  const std::string file = fs::path(so_path).filename().string();
  const size_t tag = file.find(".cpython-");
  if (tag != std::string::npos) {
    const std::string wanted = ".cpython-" + python_minor.substr(0, python_minor.find('.')) +
                               python_minor.substr(python_minor.find('.') + 1) + "-";
    if (file.compare(tag, wanted.size(), wanted) != 0) {
      const size_t end = file.find('-', tag + 9);
      return fmt::format("{} is built for another CPython (tag {}), not {}", so_path,
                         file.substr(tag + 1, end == std::string::npos ? std::string::npos : end - tag - 1),
                         python_minor);
    }
  }
  std::vector<std::string> exported;
  if (const std::string problem = read_dynamic_symbols(so_path, exported); !problem.empty()) {
    return so_path + " " + problem;
  }
  std::error_code ec;
  if (!fs::is_regular_file(so_path, ec)) return "";
  const std::string entry = "PyInit_" + module.substr(module.rfind('.') + 1);
  if (std::find(exported.begin(), exported.end(), entry) == exported.end()) {
    return fmt::format("{} exports no {}, so CPython cannot import it as {}", so_path, entry, module);
  }
  return "";
}

}  // namespace isocheck
