#include "core/data_writes.h"

#include <capstone/capstone.h>

#include <algorithm>
#include <memory>

#include "core/x86_decoder.h"

namespace isocheck {

namespace {

// The addresses RIP-relative operands of the section's instructions write or take; false when
// a stretch of it does not decode (data in the code, or an instruction capstone does not know).
bool scan_code(csh handle, const uint8_t* code, size_t size, uint64_t address, std::vector<GElf_Addr>& touched) {
  cs_insn* insn = cs_malloc(handle);
  if (insn == nullptr) return false;
  const uint8_t* cursor = code;
  size_t left = size;
  uint64_t pc = address;
  while (left > 0) {
    if (!cs_disasm_iter(handle, &cursor, &left, &pc, insn)) {
      cs_free(insn, 1);
      return false;
    }
    const cs_x86& x86 = insn->detail->x86;
    for (uint8_t i = 0; i < x86.op_count; ++i) {
      const cs_x86_op& op = x86.operands[i];
      if (op.type != X86_OP_MEM || op.mem.base != X86_REG_RIP) continue;
      // A lea lets the address out; an operand capstone marks as read only is a read. Anything
      // else (a write, or access capstone does not know) counts as a write.
      const bool read_only = insn->id != X86_INS_LEA && op.access == CS_AC_READ;
      if (!read_only) touched.push_back(insn->address + insn->size + static_cast<int64_t>(op.mem.disp));
    }
  }
  cs_free(insn, 1);
  return true;
}

// Addresses stored in data by the dynamic loader: the targets of R_X86_64_RELATIVE (its addend)
// and of relocations against a defined symbol.
void scan_relocations(Elf* elf, std::vector<GElf_Addr>& touched) {
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn != nullptr; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr header;
    if (gelf_getshdr(scn, &header) == nullptr || header.sh_type != SHT_RELA) continue;
    Elf_Data* data = elf_getdata(scn, nullptr);
    Elf_Scn* symbols = elf_getscn(elf, header.sh_link);
    Elf_Data* symbol_data = symbols != nullptr ? elf_getdata(symbols, nullptr) : nullptr;
    const size_t count = header.sh_entsize == 0 ? 0 : header.sh_size / header.sh_entsize;
    for (size_t i = 0; data != nullptr && i < count; ++i) {
      GElf_Rela rela;
      if (gelf_getrela(data, static_cast<int>(i), &rela) == nullptr) continue;
      if (GELF_R_TYPE(rela.r_info) == R_X86_64_RELATIVE) {
        touched.push_back(static_cast<GElf_Addr>(rela.r_addend));
        continue;
      }
      GElf_Sym sym;
      const size_t index = GELF_R_SYM(rela.r_info);
      if (index != 0 && symbol_data != nullptr && gelf_getsym(symbol_data, static_cast<int>(index), &sym) != nullptr &&
          sym.st_shndx != SHN_UNDEF) {
        touched.push_back(sym.st_value + static_cast<GElf_Addr>(rela.r_addend));
      }
    }
  }
}

}  // namespace

std::optional<DataWrites> DataWrites::analyse(Elf* elf) {
  GElf_Ehdr ehdr;
  if (gelf_getehdr(elf, &ehdr) == nullptr || ehdr.e_machine != EM_X86_64) return std::nullopt;
  const X86Decoder handle = open_x86_64_decoder();
  if (!handle) return std::nullopt;
  DataWrites writes;
  for (Elf_Scn* scn = elf_nextscn(elf, nullptr); scn != nullptr; scn = elf_nextscn(elf, scn)) {
    GElf_Shdr header;
    if (gelf_getshdr(scn, &header) == nullptr || header.sh_type != SHT_PROGBITS ||
        (header.sh_flags & SHF_EXECINSTR) == 0) {
      continue;
    }
    Elf_Data* data = elf_getdata(scn, nullptr);
    if (data == nullptr || data->d_buf == nullptr || data->d_size < header.sh_size) return std::nullopt;
    if (!scan_code(*handle, static_cast<const uint8_t*>(data->d_buf), header.sh_size, header.sh_addr,
                   writes.touched_)) {
      return std::nullopt;
    }
  }
  scan_relocations(elf, writes.touched_);
  std::sort(writes.touched_.begin(), writes.touched_.end());
  return writes;
}

bool DataWrites::may_write(GElf_Addr begin, GElf_Addr end) const {
  const auto first = std::lower_bound(touched_.begin(), touched_.end(), begin);
  return first != touched_.end() && *first < end;
}

}  // namespace isocheck
