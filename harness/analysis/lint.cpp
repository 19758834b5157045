#include "analysis/lint.h"

#include <cxxabi.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gelf.h>
#include <libelf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "analysis/data_writes.h"
#include "analysis/elf_relocations.h"
#include "analysis/module_slots.h"

namespace isocheck {

namespace {

using nlohmann::ordered_json;

// Section names of the CPython HOWTO "Isolating Extension Modules" (spec/primer.md).
constexpr std::string_view kIsolatedModuleObjects = "Isolated Module Objects";
constexpr std::string_view kHeapTypes = "Heap Types, Changing Static Types to Heap Types";
constexpr std::string_view kStateAccessFromFunctions = "Module State Access from Functions";
constexpr std::string_view kManagingGlobalState = "Managing Global State";

// How many symbol names a summary shows before "and N more" (details list them all).
constexpr size_t kSummaryNames = 3;

// A foreseeable reason the file cannot be linted: becomes an `error` verdict.
class Unlintable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// ---- ELF access ----------------------------------------------------------------------------

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;

  int get() const { return fd_; }

 private:
  int fd_;
};

class ElfHandle {
 public:
  explicit ElfHandle(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_.get() < 0) throw Unlintable(fmt::format("cannot read {}: {}", path, std::strerror(errno)));
    struct stat status;
    if (::fstat(fd_.get(), &status) != 0 || !S_ISREG(status.st_mode)) {
      throw Unlintable(fmt::format("{} is not a regular file", path));
    }
    if (elf_version(EV_CURRENT) == EV_NONE) throw Unlintable("libelf is out of date");
    elf_ = elf_begin(fd_.get(), ELF_C_READ, nullptr);
    if (elf_ == nullptr) {
      throw Unlintable(fmt::format("cannot read {}: {}", path, elf_errmsg(-1)));
    }
  }
  ~ElfHandle() { elf_end(elf_); }
  ElfHandle(const ElfHandle&) = delete;
  ElfHandle& operator=(const ElfHandle&) = delete;

  Elf* get() const { return elf_; }

 private:
  FileDescriptor fd_;  // must outlive elf_
  Elf* elf_ = nullptr;
};

class DwarfHandle {
 public:
  // Null when the file carries no DWARF (stripped, or built without -g).
  explicit DwarfHandle(Elf* elf) : dwarf_(dwarf_begin_elf(elf, DWARF_C_READ, nullptr)) {}
  ~DwarfHandle() {
    if (dwarf_ != nullptr) dwarf_end(dwarf_);
  }
  DwarfHandle(const DwarfHandle&) = delete;
  DwarfHandle& operator=(const DwarfHandle&) = delete;

  Dwarf* get() const { return dwarf_; }

 private:
  Dwarf* dwarf_;
};

struct Section {
  std::string name;
  GElf_Word type = SHT_NULL;
  GElf_Xword flags = 0;
};

struct Symbol {
  std::string name;
  GElf_Addr address = 0;
  GElf_Xword size = 0;
  unsigned char type = STT_NOTYPE;
  unsigned char binding = STB_LOCAL;
  bool defined = false;
  size_t section = 0;  // valid when `defined` and not a special index
};

struct AddressRange {
  GElf_Addr begin = 0;
  GElf_Addr end = 0;
  bool contains(GElf_Addr address) const { return address >= begin && address < end; }
};

void expect_shared_object(Elf* elf, const std::string& path) {
  if (elf_kind(elf) != ELF_K_ELF) throw Unlintable(fmt::format("{} is not an ELF file", path));
  GElf_Ehdr header;
  if (gelf_getehdr(elf, &header) == nullptr) {
    throw Unlintable(fmt::format("{}: unreadable ELF header: {}", path, elf_errmsg(-1)));
  }
  if (header.e_type != ET_DYN) {
    throw Unlintable(fmt::format(
        "{} is an ELF file but not a shared object (e_type {}), so not an extension module", path,
        header.e_type == ET_EXEC ? "EXEC" : header.e_type == ET_REL ? "REL" : std::to_string(header.e_type)));
  }
}

std::vector<Section> read_sections(Elf* elf) {
  size_t count = 0;
  size_t names_index = 0;
  if (elf_getshdrnum(elf, &count) != 0 || elf_getshdrstrndx(elf, &names_index) != 0) {
    throw Unlintable(fmt::format("unreadable section headers: {}", elf_errmsg(-1)));
  }
  std::vector<Section> sections(count);
  for (size_t i = 0; i < count; ++i) {
    GElf_Shdr header;
    Elf_Scn* scn = elf_getscn(elf, i);
    if (scn == nullptr || gelf_getshdr(scn, &header) == nullptr) continue;
    const char* name = elf_strptr(elf, names_index, header.sh_name);
    sections[i] = Section{name != nullptr ? name : "", header.sh_type, header.sh_flags};
  }
  return sections;
}

// PT_GNU_RELRO is made read-only by the dynamic loader after relocation, although its
// sections carry SHF_WRITE (.data.rel.ro, .got, .init_array): nothing there is mutable state.
std::vector<AddressRange> read_relro_ranges(Elf* elf) {
  std::vector<AddressRange> ranges;
  size_t count = 0;
  if (elf_getphdrnum(elf, &count) != 0) return ranges;
  for (size_t i = 0; i < count; ++i) {
    GElf_Phdr header;
    if (gelf_getphdr(elf, static_cast<int>(i), &header) == nullptr) continue;
    if (header.p_type == PT_GNU_RELRO) {
      ranges.push_back({header.p_vaddr, header.p_vaddr + header.p_memsz});
    }
  }
  return ranges;
}

Elf_Scn* find_section_of_type(Elf* elf, GElf_Word type) {
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn != nullptr; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr header;
    if (gelf_getshdr(scn, &header) != nullptr && header.sh_type == type) return scn;
  }
  return nullptr;
}

// The extended section indices (SHT_SYMTAB_SHNDX) that belong to `symtab`, if any: only
// objects with more than 65279 sections need them.
Elf_Data* find_extended_indices(Elf* elf, Elf_Scn* symtab) {
  const size_t symtab_index = elf_ndxscn(symtab);
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn != nullptr; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr header;
    if (gelf_getshdr(scn, &header) != nullptr && header.sh_type == SHT_SYMTAB_SHNDX &&
        header.sh_link == symtab_index) {
      return elf_getdata(scn, nullptr);
    }
  }
  return nullptr;
}

std::vector<Symbol> read_symbols(Elf* elf, Elf_Scn* table) {
  std::vector<Symbol> symbols;
  GElf_Shdr header;
  Elf_Data* data = elf_getdata(table, nullptr);
  if (gelf_getshdr(table, &header) == nullptr || data == nullptr || header.sh_entsize == 0) {
    return symbols;
  }
  Elf_Data* extended = find_extended_indices(elf, table);
  const size_t count = header.sh_size / header.sh_entsize;
  for (size_t i = 1; i < count; ++i) {  // entry 0 is the reserved null symbol
    GElf_Sym sym;
    Elf32_Word extended_index = 0;
    if (gelf_getsymshndx(data, extended, static_cast<int>(i), &sym, &extended_index) == nullptr) {
      continue;
    }
    const char* name = elf_strptr(elf, header.sh_link, sym.st_name);
    if (name == nullptr || *name == '\0') continue;
    Symbol symbol;
    symbol.name = name;
    symbol.address = sym.st_value;
    symbol.size = sym.st_size;
    symbol.type = GELF_ST_TYPE(sym.st_info);
    symbol.binding = GELF_ST_BIND(sym.st_info);
    symbol.defined = sym.st_shndx != SHN_UNDEF;
    if (sym.st_shndx == SHN_XINDEX) {
      symbol.section = extended_index;
    } else if (sym.st_shndx < SHN_LORESERVE) {
      symbol.section = sym.st_shndx;
    } else {
      symbol.section = 0;  // SHN_ABS, SHN_COMMON: no section of the module's own
    }
    symbols.push_back(std::move(symbol));
  }
  return symbols;
}

// What the dynamic symbol table says: which C API functions the module imports, and its
// PyInit_* entry points.
struct DynamicInterface {
  std::set<std::string> imports;
  std::vector<std::string> entry_points;
};

DynamicInterface read_dynamic_interface(const std::vector<Symbol>& dynsym) {
  DynamicInterface interface;
  for (const Symbol& symbol : dynsym) {
    if (!symbol.defined) {
      interface.imports.insert(symbol.name);
    } else if (symbol.name.starts_with("PyInit_") && symbol.binding != STB_LOCAL &&
               (symbol.type == STT_FUNC || symbol.type == STT_GNU_IFUNC)) {
      interface.entry_points.push_back(symbol.name);
    }
  }
  return interface;
}

// ---- Writable global data ------------------------------------------------------------------

// Objects the compiler, linker or C runtime put there, for a file WITHOUT debug info, where the
// symbol name is the only evidence left. With debug info the facts decide instead: an object no
// DWARF variable describes was not declared in the module's source (sort_writable_globals).
// Only these exact toolchain names count: a leading "__" proves nothing (Cython names every
// global and static type `__pyx_*`, #17 item 5).
bool is_toolchain_object_name(std::string_view name) {
  static constexpr std::array<std::string_view, 5> kExact = {"__dso_handle", "__TMC_END__", "completed",
                                                            "_GLOBAL_OFFSET_TABLE_", "_DYNAMIC"};
  if (std::find(kExact.begin(), kExact.end(), name) != kExact.end()) return true;
  if (name.starts_with("completed.")) return true;  // crtstuff.c's static flag
  // The compiler's pointer to the C++ personality routine / typeinfo for unwinding (DW.ref.*),
  // C++ guard variables (_ZGV) and vtables / typeinfo / VTTs (_ZT*).
  return name.starts_with("DW.ref.") || name.starts_with("_ZGV") || name.starts_with("_ZT");
}

bool is_writable_data(const Symbol& symbol, const std::vector<Section>& sections,
                      const std::vector<AddressRange>& relro) {
  if (symbol.type != STT_OBJECT || symbol.size == 0 || !symbol.defined) return false;
  if (symbol.section == 0 || symbol.section >= sections.size()) return false;
  const Section& section = sections[symbol.section];
  if ((section.flags & (SHF_WRITE | SHF_ALLOC)) != (SHF_WRITE | SHF_ALLOC)) return false;
  if (section.name.starts_with(".data.rel.ro")) return false;
  return std::none_of(relro.begin(), relro.end(),
                      [&](const AddressRange& r) { return r.contains(symbol.address); });
}

// ---- DWARF: telling definition tables from state --------------------------------------------

// What a global variable is, from its declared type.
enum class VariableKind {
  state,             // anything else: the HOWTO's "global state"
  definition_table,  // PyModuleDef, PyMethodDef[], ...: writable by CPython's design, not state
  constant,          // const-qualified: written by its initialiser at load (C++ `static const
                     // std::string`), which is why it is not in .rodata; never after
  docstring,         // char foo_doc[]
  keyword_list,      // char *kwlist[]: PyArg_ParseTupleAndKeywords takes char ** before 3.13
  type_object,       // a static PyTypeObject
};

struct Variable {
  VariableKind kind = VariableKind::state;
  std::string type_name;  // the outermost named type, for the details
};

// CPython structures that extensions define as writable globals by design (CPython fills in
// m_base, caches, or only takes non-const pointers); holding them is not holding state.
// _PyArg_Parser is Argument Clinic's per-function `static _PyArg_Parser _parser`, which
// CPython itself initialises once per process.
bool is_definition_table_type(std::string_view name) {
  static constexpr std::array<std::string_view, 16> kTables = {
      "PyModuleDef",      "PyModuleDef_Slot",      "PyMethodDef",        "PyMemberDef",
      "PyGetSetDef",      "PyType_Spec",           "PyType_Slot",        "PyBufferProcs",
      "PyNumberMethods",  "PySequenceMethods",     "PyMappingMethods",   "PyAsyncMethods",
      "PyStructSequence_Desc", "PyStructSequence_Field", "PyModuleDef_Base", "_PyArg_Parser"};
  return std::find(kTables.begin(), kTables.end(), name) != kTables.end();
}

bool is_type_object_type(std::string_view name) {
  return name == "PyTypeObject" || name == "_typeobject";
}

Dwarf_Die* referenced_type(Dwarf_Die* die, Dwarf_Die* result) {
  Dwarf_Attribute attribute;
  if (dwarf_attr_integrate(die, DW_AT_type, &attribute) == nullptr) return nullptr;
  return dwarf_formref_die(&attribute, result);
}

// The names met while peeling typedefs, qualifiers and array dimensions off a variable's type,
// outermost first (e.g. PyTypeObject, _typeobject). Pointers stop the walk: a global pointer
// is state, except in an array of char pointers (a keyword list).
struct TypeShape {
  std::vector<std::string> names;
  bool constant = false;  // const-qualified before any pointer: the object itself is const
  bool array = false;
  bool char_elements = false;
  bool char_pointer_elements = false;  // char *x[] or const char *x[]
};

bool is_char_type(const char* name) {
  if (name == nullptr) return false;
  const std::string_view base = name;
  return base == "char" || base == "signed char" || base == "unsigned char";
}

// Whether a pointer type points to (possibly const) char.
bool points_to_char(Dwarf_Die* pointer) {
  Dwarf_Die type;
  if (referenced_type(pointer, &type) == nullptr) return false;
  for (int hops = 0; hops < 16; ++hops) {
    const int tag = dwarf_tag(&type);
    if (tag == DW_TAG_base_type) return is_char_type(dwarf_diename(&type));
    if (tag != DW_TAG_const_type && tag != DW_TAG_volatile_type && tag != DW_TAG_typedef) return false;
    Dwarf_Die next;
    if (referenced_type(&type, &next) == nullptr) return false;
    type = next;
  }
  return false;
}

// The one non-static data member of a struct or class, if it has exactly one (static members
// are DW_TAG_variable in DWARF 5, DW_TAG_member without a location before it).
bool only_data_member(Dwarf_Die* record, Dwarf_Die* member) {
  Dwarf_Die child;
  if (dwarf_child(record, &child) != 0) return false;
  int members = 0;
  do {
    Dwarf_Attribute attribute;
    if (dwarf_tag(&child) == DW_TAG_member && dwarf_attr(&child, DW_AT_external, &attribute) == nullptr &&
        dwarf_attr(&child, DW_AT_declaration, &attribute) == nullptr) {
      if (++members > 1) return false;
      *member = child;
    }
  } while (dwarf_siblingof(&child, &child) == 0);
  return members == 1;
}

TypeShape describe_type(Dwarf_Die* variable) {
  TypeShape shape;
  Dwarf_Die type;
  if (referenced_type(variable, &type) == nullptr) return shape;
  for (int hops = 0; hops < 64; ++hops) {  // bounded: malformed DWARF may loop
    const int tag = dwarf_tag(&type);
    const char* name = dwarf_diename(&type);
    switch (tag) {
      case DW_TAG_typedef:
        if (name != nullptr) shape.names.emplace_back(name);
        break;
      case DW_TAG_array_type:
        shape.array = true;
        break;
      case DW_TAG_const_type:
        shape.constant = true;
        break;
      case DW_TAG_volatile_type:
      case DW_TAG_restrict_type:
      case DW_TAG_atomic_type:
        break;
      case DW_TAG_base_type:
        if (name != nullptr) shape.names.emplace_back(name);
        shape.char_elements = is_char_type(name);
        return shape;
      case DW_TAG_pointer_type:
        shape.char_pointer_elements = shape.array && points_to_char(&type);
        return shape;
      case DW_TAG_structure_type:
      case DW_TAG_class_type: {
        if (name != nullptr) shape.names.emplace_back(name);
        // A wrapper of one member (std::array<PyMethodDef, N> holds `PyMethodDef _M_elems[N]`)
        // is what it wraps.
        Dwarf_Die member;
        if (!only_data_member(&type, &member)) return shape;
        Dwarf_Die next;
        if (referenced_type(&member, &next) == nullptr) return shape;
        type = next;
        continue;
      }
      default:  // union, enum, function...
        if (name != nullptr) shape.names.emplace_back(name);
        return shape;
    }
    Dwarf_Die next;
    if (referenced_type(&type, &next) == nullptr) return shape;
    type = next;
  }
  return shape;
}

bool is_docstring_name(std::string_view name) {
  return name.ends_with("_doc") || name.ends_with("__doc__");
}

Variable classify_variable(Dwarf_Die* die) {
  const TypeShape shape = describe_type(die);
  Variable variable;
  variable.type_name = shape.names.empty() ? "" : shape.names.front();
  if (shape.char_pointer_elements) variable.type_name = "char *[]";
  if (shape.array && shape.char_elements) variable.type_name += "[]";
  for (const std::string& name : shape.names) {
    if (is_type_object_type(name)) {
      variable.kind = VariableKind::type_object;
      return variable;
    }
    if (is_definition_table_type(name)) {
      variable.kind = VariableKind::definition_table;
      return variable;
    }
  }
  if (shape.constant) {
    variable.kind = VariableKind::constant;
    variable.type_name = "const " + variable.type_name;
    return variable;
  }
  const char* name = dwarf_diename(die);
  if (shape.array && shape.char_elements && name != nullptr && is_docstring_name(name)) {
    variable.kind = VariableKind::docstring;
  } else if (shape.char_pointer_elements) {
    variable.kind = VariableKind::keyword_list;
  }
  return variable;
}

// The static address of a variable whose location is one DW_OP_addr (or DW_OP_addrx) operation;
// automatic variables and optimised-out ones have none.
std::optional<GElf_Addr> static_address(Dwarf_Die* die) {
  Dwarf_Attribute location;
  if (dwarf_attr(die, DW_AT_location, &location) == nullptr) return std::nullopt;
  Dwarf_Op* ops = nullptr;
  size_t count = 0;
  if (dwarf_getlocation(&location, &ops, &count) != 0 || count != 1) return std::nullopt;
  if (ops[0].atom == DW_OP_addr) return ops[0].number;
  if (ops[0].atom == DW_OP_addrx || ops[0].atom == DW_OP_GNU_addr_index) {
    Dwarf_Attribute resolved;
    Dwarf_Addr address = 0;
    if (dwarf_getlocation_attr(&location, &ops[0], &resolved) == 0 &&
        dwarf_formaddr(&resolved, &address) == 0) {
      return address;
    }
  }
  return std::nullopt;
}

using VariablesByAddress = std::map<GElf_Addr, Variable>;

// Walks every DIE below `die`: file-scope variables, and also function-local statics, which
// are just as global (their symbols are named `name.N`).
void collect_variables(Dwarf_Die* die, VariablesByAddress& out) {
  Dwarf_Die child;
  if (dwarf_child(die, &child) != 0) return;
  do {
    if (dwarf_tag(&child) == DW_TAG_variable) {
      if (const auto address = static_address(&child)) out.try_emplace(*address, classify_variable(&child));
    }
    if (dwarf_haschildren(&child) != 0) collect_variables(&child, out);
  } while (dwarf_siblingof(&child, &child) == 0);
}

// Null when the file has no usable debug info.
std::optional<VariablesByAddress> read_debug_variables(Elf* elf) {
  const DwarfHandle dwarf(elf);
  if (dwarf.get() == nullptr) return std::nullopt;
  VariablesByAddress variables;
  bool any_unit = false;
  Dwarf_CU* cu = nullptr;
  Dwarf_Die cu_die;
  uint8_t unit_type = 0;
  while (dwarf_get_units(dwarf.get(), cu, &cu, nullptr, &unit_type, &cu_die, nullptr) == 0) {
    if (unit_type != DW_UT_compile && unit_type != DW_UT_partial) continue;
    any_unit = true;
    collect_variables(&cu_die, variables);
  }
  if (!any_unit) return std::nullopt;
  return variables;
}

// ---- Findings --------------------------------------------------------------------------------

std::string display_name(const std::string& symbol) {
  if (!symbol.starts_with("_Z")) return symbol;
  int status = 0;
  char* demangled = abi::__cxa_demangle(symbol.c_str(), nullptr, nullptr, &status);
  std::string name = (status == 0 && demangled != nullptr) ? demangled : symbol;
  std::free(demangled);
  return name;
}

std::string name_list(const std::vector<std::string>& names) {
  std::string text;
  const size_t shown = std::min(names.size(), kSummaryNames);
  for (size_t i = 0; i < shown; ++i) {
    if (i > 0) text += ", ";
    text += names[i];
  }
  if (names.size() > shown) text += fmt::format(" and {} more", names.size() - shown);
  return text;
}

struct Finding {
  Outcome severity = Outcome::warn;
  std::string_view howto;
  std::string what;
  std::string fix;
  std::vector<std::string> symbols;
  // The one-line summary shows "<label> (<evidence>; HOWTO: <howto>)".
  std::string label;
  std::string evidence;
};

struct WritableGlobals {
  std::vector<std::string> state;          // what the writable-globals finding lists
  std::vector<std::string> type_objects;   // static PyTypeObjects, for the static-type finding
  ordered_json skipped = ordered_json::array();  // definition tables, docstrings, keyword lists, constants
  // With debug info: writable objects no DWARF variable describes (compiler, linker and C runtime
  // objects such as DW.ref.*, guard variables, crtstuff's `completed`; or code built without -g).
  std::vector<std::string> undescribed;
};

WritableGlobals sort_writable_globals(const std::vector<Symbol>& symbols,
                                      const std::vector<Section>& sections,
                                      const std::vector<AddressRange>& relro,
                                      const std::optional<VariablesByAddress>& variables,
                                      const std::optional<DataWrites>& writes) {
  WritableGlobals globals;
  std::set<std::string> seen;
  for (const Symbol& symbol : symbols) {
    if (!is_writable_data(symbol, sections, relro)) continue;
    if (!variables && is_toolchain_object_name(symbol.name)) continue;
    const std::string name = display_name(symbol.name);
    if (!seen.insert(name).second) continue;
    const Variable* variable = nullptr;
    if (variables) {
      const auto it = variables->find(symbol.address);
      if (it == variables->end()) {
        // Every variable of the module's source has a DWARF entry with its address; an object
        // without one was made by the toolchain, not declared by the author.
        globals.undescribed.push_back(name);
        continue;
      }
      variable = &it->second;
    }
    const VariableKind kind = variable != nullptr ? variable->kind : VariableKind::state;
    switch (kind) {
      case VariableKind::state:
        // Only this file's code can reach a symbol it does not export; when none of it writes
        // there or lets the address out, the global is a table that is only read.
        if (symbol.binding == STB_LOCAL && writes && !writes->may_write(symbol.address, symbol.address + symbol.size)) {
          globals.skipped.push_back({{"symbol", name}, {"type", "never written after load"}});
          break;
        }
        globals.state.push_back(name);
        break;
      case VariableKind::type_object:
        globals.type_objects.push_back(name);
        break;
      case VariableKind::definition_table:
      case VariableKind::constant:
      case VariableKind::docstring:
      case VariableKind::keyword_list:
        globals.skipped.push_back({{"symbol", name}, {"type", variable->type_name}});
        break;
    }
  }
  return globals;
}

// The entry point named after the file (foo.cpython-312-x86_64-linux-gnu.so -> PyInit_foo),
// else the first one: a file may define several (e.g. CPython's _testsinglephase).
std::string main_entry_point(const std::vector<std::string>& entry_points,
                             const std::string& so_path) {
  std::string stem = so_path.substr(so_path.find_last_of('/') + 1);
  stem = stem.substr(0, stem.find('.'));
  const std::string expected = init_function_name(stem);
  const bool found = std::find(entry_points.begin(), entry_points.end(), expected) != entry_points.end();
  return found ? expected : entry_points.front();
}

// HOWTO "Isolated Module Objects": a single-phase PyInit_* builds the module itself, so the
// module cannot be re-created per interpreter; multi-phase init returns PyModuleDef_Init(&def).
std::optional<Finding> single_phase_finding(const DynamicInterface& interface,
                                            const std::string& so_path) {
  if (interface.entry_points.empty() || !interface.imports.contains("PyModule_Create2") ||
      interface.imports.contains("PyModuleDef_Init")) {
    return std::nullopt;
  }
  Finding finding;
  finding.severity = Outcome::fail;
  finding.howto = kIsolatedModuleObjects;
  finding.what = fmt::format(
      "single-phase init: the module defines {} and imports PyModule_Create2 but not "
      "PyModuleDef_Init, so its module object is created once per process and copied, not made "
      "afresh for each interpreter",
      fmt::join(interface.entry_points, ", "));
  finding.fix =
      "use multi-phase init: PyInit_* returns PyModuleDef_Init(&def) and the setup moves into a "
      "Py_mod_exec slot, with mutable data in module state (PEP 489)";
  finding.symbols = interface.entry_points;
  finding.symbols.push_back("PyModule_Create2");
  finding.label = "single-phase init";
  finding.evidence = fmt::format("{} uses PyModule_Create2, not PyModuleDef_Init",
                                 main_entry_point(interface.entry_points, so_path));
  return finding;
}

// HOWTO "Heap Types": a static PyTypeObject is one mutable object shared by all interpreters.
// PyType_Ready is how a static type gets initialised, so importing it is (only) evidence:
// when the debug info lists every global and none is a PyTypeObject, the module readies types
// it did not define (CPython 3.12's math.trunc readies its argument's type), so that is a warn.
std::optional<Finding> static_type_finding(const DynamicInterface& interface,
                                           const std::vector<std::string>& type_objects,
                                           bool debug_info) {
  const bool readies_types = interface.imports.contains("PyType_Ready");
  if (type_objects.empty() && !readies_types) return std::nullopt;
  Finding finding;
  finding.severity = Outcome::fail;
  finding.howto = kHeapTypes;
  finding.fix =
      "create the types per module object with PyType_FromModuleAndSpec in Py_mod_exec and keep "
      "them in module state";
  if (!type_objects.empty()) {
    finding.what = fmt::format(
        "static types: {} {} a PyTypeObject in writable static memory, one object shared by every "
        "interpreter{}",
        fmt::join(type_objects, ", "), type_objects.size() == 1 ? "is" : "are",
        readies_types ? " (readied with PyType_Ready)" : "");
    finding.symbols = type_objects;
    finding.label = fmt::format("static types: {}", name_list(type_objects));
  } else if (!debug_info) {
    finding.what =
        "imports PyType_Ready, which is evidence of static types (a PyTypeObject in static memory "
        "is one object shared by every interpreter); no debug info to name them";
    finding.symbols = {"PyType_Ready"};
    finding.label = "likely static types";
    finding.evidence = "imports PyType_Ready";
  } else {
    finding.severity = Outcome::warn;
    finding.what =
        "imports PyType_Ready, which is usually evidence of static types, but the debug info shows "
        "no PyTypeObject global of the module's own: it may ready types defined elsewhere";
    finding.symbols = {"PyType_Ready"};
    finding.label = "PyType_Ready";
    finding.evidence = "no static type of its own in the debug info";
  }
  return finding;
}

std::vector<std::string> imported(const DynamicInterface& interface,
                                  std::initializer_list<std::string_view> names) {
  std::vector<std::string> found;
  for (std::string_view name : names) {
    if (interface.imports.contains(std::string(name))) found.emplace_back(name);
  }
  return found;
}

// HOWTO "Module State Access from Functions": PyState_* finds one module per interpreter (and
// none at all for multi-phase modules), not the module object the code belongs to.
std::optional<Finding> pystate_finding(const DynamicInterface& interface) {
  std::vector<std::string> symbols = imported(interface, {"PyState_FindModule", "PyState_AddModule"});
  if (symbols.empty()) return std::nullopt;
  Finding finding;
  finding.howto = kStateAccessFromFunctions;
  finding.what = fmt::format(
      "imports {}: the module is looked up per interpreter through its PyModuleDef, which allows "
      "only one module object per interpreter and does not work with multi-phase init",
      fmt::join(symbols, " and "));
  finding.fix =
      "reach the state from the module passed in (PyModule_GetState), from a method's defining "
      "class (METH_METHOD, PyType_GetModuleState), or with PyType_GetModuleByDef";
  finding.label = fmt::format("{}", fmt::join(symbols, "/"));
  finding.symbols = std::move(symbols);
  return finding;
}

// HOWTO "Managing Global State" and PEP 684: PyGILState_* always attaches to the main
// interpreter, so code called back on a foreign thread runs in the wrong interpreter.
std::optional<Finding> gilstate_finding(const DynamicInterface& interface) {
  std::vector<std::string> symbols = imported(interface, {"PyGILState_Ensure", "PyGILState_Release"});
  if (symbols.empty()) return std::nullopt;
  Finding finding;
  finding.howto = kManagingGlobalState;
  finding.what = fmt::format(
      "imports {}: PyGILState_* always attaches to the main interpreter, so a thread calling in "
      "for a module object of a subinterpreter runs in the wrong interpreter (PEP 684)",
      fmt::join(symbols, " and "));
  finding.fix =
      "keep the module's PyInterpreterState* (PyInterpreterState_Get() in Py_mod_exec) and attach "
      "with PyThreadState_New + PyEval_RestoreThread, PyThreadState_Clear + "
      "PyThreadState_DeleteCurrent when done";
  finding.label = fmt::format("{}", fmt::join(symbols, "/"));
  finding.evidence = "always the main interpreter, PEP 684";
  finding.symbols = std::move(symbols);
  return finding;
}

// HOWTO "Managing Global State": a C global is shared by every module object in the process.
std::optional<Finding> writable_globals_finding(const std::vector<std::string>& state,
                                                bool debug_info) {
  if (state.empty()) return std::nullopt;
  Finding finding;
  finding.howto = kManagingGlobalState;
  finding.what = fmt::format("writable global data shared by every module object in the process: {}",
                             fmt::join(state, ", "));
  if (!debug_info) {
    finding.what +=
        " (no debug info: definition tables (PyModuleDef, PyMethodDef...) cannot be told apart "
        "from state)";
    finding.evidence = "no debug info: may include definition tables";
  }
  finding.fix =
      "move mutable data into module state (m_size, PyModule_GetState; HOWTO: Enter Per-Module "
      "State) and make constant tables const";
  finding.symbols = state;
  finding.label = fmt::format("writable globals: {}", name_list(state));
  return finding;
}

ordered_json to_json(const Finding& finding) {
  return {{"severity", std::string(to_string(finding.severity))},
          {"howto", std::string(finding.howto)},
          {"what", finding.what},
          {"fix", finding.fix},
          {"symbols", finding.symbols}};
}

std::string summary_part(const Finding& finding) {
  if (finding.evidence.empty()) return fmt::format("{} (HOWTO: {})", finding.label, finding.howto);
  return fmt::format("{} ({}; HOWTO: {})", finding.label, finding.evidence, finding.howto);
}

// Limits of what the file let lint see, appended to the summary so a clean result is not
// over-read.
std::vector<std::string> caveats(const DynamicInterface& interface, bool has_symtab) {
  std::vector<std::string> notes;
  if (interface.entry_points.empty()) {
    notes.emplace_back("no PyInit_* entry point: is it an extension module?");
  }
  if (!has_symtab) notes.emplace_back("stripped: `static` globals are not visible");
  return notes;
}

HostVerdict verdict_from(const std::vector<Finding>& findings, const std::vector<std::string>& notes) {
  HostVerdict verdict;
  verdict.outcome = Outcome::pass;
  std::vector<std::string> parts;
  ordered_json listed = ordered_json::array();
  for (const Finding& finding : findings) {
    verdict.outcome = worst(verdict.outcome, finding.severity);
    parts.push_back(summary_part(finding));
    listed.push_back(to_json(finding));
  }
  if (parts.empty()) {
    verdict.summary = "clean: no single-phase init, static types, PyState_*/PyGILState_* or writable "
                      "globals found";
  } else {
    verdict.summary = fmt::format("{}", fmt::join(parts, "; "));
  }
  if (!notes.empty()) verdict.summary += fmt::format(" [{}]", fmt::join(notes, "; "));
  verdict.details["findings"] = std::move(listed);
  return verdict;
}

// What the module declares (#14 item 4), read from its PyModuleDef without loading it, in the
// words of the import cell's details (InterpreterSession::declarations). Only reported: a
// module without Py_mod_gil keeps the GIL on a free-threaded build, which says nothing about
// its isolation. "unknown" where the file does not tell (a def filled in at run time).
ordered_json declarations(Elf* elf, const std::vector<Relocation>& relocations, const std::vector<Symbol>& exported,
                          const DynamicInterface& interface, bool single_phase, const std::string& so_path) {
  ordered_json d = ordered_json::object();
  if (interface.entry_points.empty()) return d;
  if (single_phase) {
    d["init"] = "single-phase";
    return d;
  }
  const std::string entry = main_entry_point(interface.entry_points, so_path);
  const auto symbol = std::find_if(exported.begin(), exported.end(), [&](const Symbol& s) { return s.name == entry; });
  const std::optional<StaticSlots> slots =
      symbol == exported.end()
          ? std::nullopt
          : read_static_slots(elf, relocations, symbol->address, entry.substr(std::string_view("PyInit_").size()));
  if (!slots) {
    d["init"] = "unknown";
    return d;
  }
  d["init"] = "multi-phase";
  d["Py_mod_multiple_interpreters"] = slots->multiple_interpreters;
  d["Py_mod_gil"] = slots->gil;
  return d;
}

HostVerdict lint(const std::string& so_path) {
  const ElfHandle file(so_path);
  Elf* elf = file.get();
  expect_shared_object(elf, so_path);

  const std::vector<Section> sections = read_sections(elf);
  const std::vector<AddressRange> relro = read_relro_ranges(elf);
  Elf_Scn* dynsym = find_section_of_type(elf, SHT_DYNSYM);
  if (dynsym == nullptr) {
    throw Unlintable(fmt::format("{} has no dynamic symbol table, so it cannot be an extension module",
                                 so_path));
  }
  const std::vector<Symbol> exported = read_symbols(elf, dynsym);
  const DynamicInterface interface = read_dynamic_interface(exported);
  // .symtab also has the `static` objects; a stripped file only has the exported ones.
  Elf_Scn* symtab = find_section_of_type(elf, SHT_SYMTAB);
  const std::vector<Symbol> data_symbols = read_symbols(elf, symtab != nullptr ? symtab : dynsym);
  const std::optional<VariablesByAddress> variables = read_debug_variables(elf);
  const bool debug_info = variables.has_value();
  const std::vector<Relocation> relocations = read_relocations(elf);
  const std::optional<DataWrites> writes = DataWrites::analyse(elf, relocations);
  const WritableGlobals globals = sort_writable_globals(data_symbols, sections, relro, variables, writes);

  std::optional<Finding> single_phase = single_phase_finding(interface, so_path);
  const bool is_single_phase = single_phase.has_value();
  std::vector<Finding> findings;
  for (auto finding : {std::move(single_phase),
                       static_type_finding(interface, globals.type_objects, debug_info),
                       pystate_finding(interface), gilstate_finding(interface),
                       writable_globals_finding(globals.state, debug_info)}) {
    if (finding) findings.push_back(std::move(*finding));
  }

  const std::vector<std::string> notes = caveats(interface, symtab != nullptr);
  HostVerdict verdict = verdict_from(findings, notes);
  verdict.details["entry_points"] = interface.entry_points;
  verdict.details["symbol_table"] = symtab != nullptr ? ".symtab" : ".dynsym";
  verdict.details["debug_info"] = debug_info;
  verdict.details["code_read"] = writes.has_value();  // x86-64 code decoded: unwritten globals known
  verdict.details["skipped_definition_tables"] = globals.skipped;
  verdict.details["undescribed_objects"] = globals.undescribed;
  verdict.details["notes"] = notes;
  verdict.details["declarations"] = declarations(elf, relocations, exported, interface, is_single_phase, so_path);
  verdict.metrics["findings"] = findings.size();
  verdict.metrics["writable_globals"] = globals.state.size();
  return verdict;
}

HostVerdict error_verdict(std::string summary) {
  HostVerdict verdict;
  verdict.outcome = Outcome::error;
  verdict.summary = std::move(summary);
  return verdict;
}

}  // namespace

std::string_view module_last_name(std::string_view module) {
  const size_t dot = module.rfind('.');
  return dot == std::string_view::npos ? module : module.substr(dot + 1);
}

std::string init_function_name(std::string_view module) { return "PyInit_" + std::string(module_last_name(module)); }

bool exports_module_entry_point(const std::string& so_path, const std::string& module) {
  const std::string name(module_last_name(module));
  const std::string init = init_function_name(name);
  // A non-ASCII name's entry point is PyInit_ + its punycode (PEP 489): not derived here.
  if (std::any_of(name.begin(), name.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
    return true;
  }
  try {
    const ElfHandle file(so_path);
    expect_shared_object(file.get(), so_path);
    Elf_Scn* dynsym = find_section_of_type(file.get(), SHT_DYNSYM);
    if (dynsym == nullptr) return false;
    for (const Symbol& symbol : read_symbols(file.get(), dynsym)) {
      if (symbol.defined && (symbol.name == init || symbol.name == "PyModExport_" + name)) return true;
    }
    return false;
  } catch (const std::exception&) {
    return true;
  }
}

HostVerdict lint_extension(const std::string& so_path) {
  try {
    return lint(so_path);
  } catch (const Unlintable& e) {
    return error_verdict(fmt::format("lint: {}", e.what()));
  } catch (const std::exception& e) {
    return error_verdict(fmt::format("lint: internal error reading {}: {}", so_path, e.what()));
  } catch (...) {
    return error_verdict(fmt::format("lint: internal error reading {}", so_path));
  }
}

}  // namespace isocheck
