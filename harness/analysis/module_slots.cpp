#include "analysis/module_slots.h"

#include <capstone/capstone.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <span>
#include <vector>

#include "analysis/x86_decoder.h"

namespace isocheck {

std::string multiple_interpreters_name(std::uintptr_t value) {
  switch (value) {
    case 0: return "Py_MOD_MULTIPLE_INTERPRETERS_NOT_SUPPORTED";
    case 1: return "Py_MOD_MULTIPLE_INTERPRETERS_SUPPORTED";
    case 2: return "Py_MOD_PER_INTERPRETER_GIL_SUPPORTED";
    default: return fmt::format("unknown value {}", value);
  }
}

std::string gil_name(std::uintptr_t value) {
  switch (value) {
    case 0: return "Py_MOD_GIL_USED";
    case 1: return "Py_MOD_GIL_NOT_USED";
    default: return fmt::format("unknown value {}", value);
  }
}

namespace {

// PyModuleDef on a 64-bit CPython with the GIL (Include/moduleobject.h): PyModuleDef_Base is a
// PyObject_HEAD (16 bytes) and m_init, m_index, m_copy (40 bytes in all); then m_name, m_doc,
// m_size, m_methods, m_slots. A PyModuleDef_Slot is {int slot; void* value}: 16 bytes.
constexpr GElf_Addr kNameOffset = 40;
constexpr GElf_Addr kSlotsOffset = 72;
constexpr GElf_Addr kSlotSize = 16;
// Bounds on what is read: a slot table is a handful of entries, and an entry point that only
// returns PyModuleDef_Init(&def) is a few instructions at any optimisation level.
constexpr size_t kMaxSlots = 64;
constexpr size_t kMaxInstructions = 32;
constexpr size_t kMaxNameBytes = 256;

// The file's loaded bytes by virtual address, and what the dynamic loader stores where: a
// pointer in a position-independent object is a relocation, never the bytes in the file.
class Image {
 public:
  Image(Elf* elf, const std::vector<Relocation>& relocations) {
    for (const Relocation& r : relocations) {
      relocations_[r.offset] = r.relative ? r.target : std::nullopt;
    }
    for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn != nullptr; scn = elf_nextscn(elf, scn)) {
      GElf_Shdr header;
      if (gelf_getshdr(scn, &header) == nullptr) continue;
      if (header.sh_type == SHT_PROGBITS && (header.sh_flags & SHF_ALLOC) != 0) {
        // .bss (SHT_NOBITS) is left out: a def there is filled in at run time.
        Elf_Data* data = elf_getdata(scn, nullptr);
        if (data == nullptr || data->d_buf == nullptr || data->d_size < header.sh_size) continue;
        sections_.push_back({header.sh_addr, header.sh_addr + header.sh_size,
                             static_cast<const uint8_t*>(data->d_buf), (header.sh_flags & SHF_EXECINSTR) != 0});
      }
    }
  }

  std::span<const uint8_t> bytes(GElf_Addr address, size_t size, bool code = false) const {
    for (const Loaded& s : sections_) {
      if (address >= s.begin && address < s.end && s.executable == code) {
        const size_t available = static_cast<size_t>(s.end - address);
        return {s.bytes + (address - s.begin), std::min(size, available)};
      }
    }
    return {};
  }

  template <typename T>
  std::optional<T> read(GElf_Addr address) const {
    const std::span<const uint8_t> b = bytes(address, sizeof(T));
    if (b.size() != sizeof(T)) return std::nullopt;
    T value;
    std::memcpy(&value, b.data(), sizeof(T));
    return value;
  }

  // The address the loader stores at `address` (R_X86_64_RELATIVE); nullopt when it stores
  // nothing there or something else (a symbol's address).
  std::optional<GElf_Addr> pointer_at(GElf_Addr address) const {
    const auto it = relocations_.find(address);
    if (it == relocations_.end() || !it->second) return std::nullopt;
    return *it->second;
  }
  bool relocated(GElf_Addr address) const { return relocations_.contains(address); }

  std::optional<std::string> c_string(GElf_Addr address) const {
    const std::span<const uint8_t> b = bytes(address, kMaxNameBytes);
    const auto end = std::find(b.begin(), b.end(), uint8_t{0});
    if (end == b.end()) return std::nullopt;
    return std::string(b.begin(), end);
  }

 private:
  struct Loaded {
    GElf_Addr begin;
    GElf_Addr end;
    const uint8_t* bytes;
    bool executable;
  };
  std::vector<Loaded> sections_;
  std::map<GElf_Addr, std::optional<GElf_Addr>> relocations_;
};

bool is_frame_register(x86_reg reg) {
  return reg == X86_REG_RSP || reg == X86_REG_RBP || reg == X86_REG_EFLAGS || reg == X86_REG_RIP;
}

// The address in rdi (the first argument) at the entry point's first call or jump: the def of
// `return PyModuleDef_Init(&def);`, whether compiled as `lea rdi, [rip+def]; jmp` or, at -O0,
// through another register. Any instruction that writes a register other than the frame's
// forgets what is known, so that nothing is guessed.
std::optional<GElf_Addr> first_argument_at_first_call(const Image& image, GElf_Addr entry) {
  const X86Decoder handle = open_x86_64_decoder();
  if (!handle) return std::nullopt;
  const std::span<const uint8_t> code = image.bytes(entry, kMaxInstructions * 15, /*code=*/true);
  if (code.empty()) return std::nullopt;
  cs_insn* insn = cs_malloc(*handle);
  if (insn == nullptr) return std::nullopt;
  std::unique_ptr<cs_insn, void (*)(cs_insn*)> owned(insn, [](cs_insn* i) { cs_free(i, 1); });

  std::map<unsigned, GElf_Addr> known;  // 64-bit register -> address it holds
  const uint8_t* cursor = code.data();
  size_t left = code.size();
  uint64_t pc = entry;
  for (size_t n = 0; n < kMaxInstructions && cs_disasm_iter(*handle, &cursor, &left, &pc, insn); ++n) {
    const cs_x86& x86 = insn->detail->x86;
    if (insn->id == X86_INS_CALL || insn->id == X86_INS_JMP) {
      const auto rdi = known.find(X86_REG_RDI);
      return rdi == known.end() ? std::nullopt : std::optional<GElf_Addr>(rdi->second);
    }
    if (insn->id == X86_INS_RET) return std::nullopt;
    if (insn->id == X86_INS_LEA && x86.op_count == 2 && x86.operands[0].type == X86_OP_REG &&
        x86.operands[0].size == 8 && x86.operands[1].type == X86_OP_MEM && x86.operands[1].mem.base == X86_REG_RIP &&
        x86.operands[1].mem.index == X86_REG_INVALID) {
      known[x86.operands[0].reg] = insn->address + insn->size + static_cast<int64_t>(x86.operands[1].mem.disp);
      continue;
    }
    if (insn->id == X86_INS_MOV && x86.op_count == 2 && x86.operands[0].type == X86_OP_REG &&
        x86.operands[1].type == X86_OP_REG && x86.operands[0].size == 8) {
      const auto source = known.find(x86.operands[1].reg);
      if (source != known.end()) {
        known[x86.operands[0].reg] = source->second;
      } else {
        known.erase(x86.operands[0].reg);
      }
      continue;
    }
    cs_regs read, written;
    uint8_t read_count = 0, written_count = 0;
    if (cs_regs_access(*handle, insn, read, &read_count, written, &written_count) != CS_ERR_OK) return std::nullopt;
    for (uint8_t i = 0; i < written_count; ++i) {
      if (!is_frame_register(static_cast<x86_reg>(written[i]))) known.clear();
    }
  }
  return std::nullopt;
}

bool names_module(const std::string& m_name, const std::string& module) {
  return m_name == module || m_name.ends_with("." + module);
}

}  // namespace

std::optional<StaticSlots> read_static_slots(Elf* elf, const std::vector<Relocation>& relocations, GElf_Addr entry_address,
                                             const std::string& module) {
  GElf_Ehdr ehdr;
  if (gelf_getehdr(elf, &ehdr) == nullptr || ehdr.e_machine != EM_X86_64 || ehdr.e_ident[EI_CLASS] != ELFCLASS64) {
    return std::nullopt;
  }
  const Image image(elf, relocations);
  const std::optional<GElf_Addr> def = first_argument_at_first_call(image, entry_address);
  if (!def) return std::nullopt;
  const std::optional<GElf_Addr> name = image.pointer_at(*def + kNameOffset);
  const std::optional<std::string> m_name = name ? image.c_string(*name) : std::nullopt;
  if (!m_name || !names_module(*m_name, module)) return std::nullopt;
  // No slot table stored by the loader: single-phase init (m_slots NULL), or filled at run time.
  const std::optional<GElf_Addr> slots = image.pointer_at(*def + kSlotsOffset);
  if (!slots) return std::nullopt;

  StaticSlots found;
  for (size_t i = 0; i < kMaxSlots; ++i) {
    const GElf_Addr entry = *slots + i * kSlotSize;
    const std::optional<int32_t> id = image.read<int32_t>(entry);
    if (!id) return std::nullopt;
    if (*id == 0) return found;
    if (*id != kSlotMultipleInterpreters && *id != kSlotGil) continue;
    // These slots hold small integers; a pointer there would be a value CPython rejects.
    if (image.relocated(entry + 8)) return std::nullopt;
    const std::optional<uint64_t> value = image.read<uint64_t>(entry + 8);
    if (!value) return std::nullopt;
    if (*id == kSlotGil) {
      found.gil = gil_name(*value);
    } else {
      found.multiple_interpreters = multiple_interpreters_name(*value);
    }
  }
  return std::nullopt;  // no terminating slot within bounds: not a slot table
}

}  // namespace isocheck
