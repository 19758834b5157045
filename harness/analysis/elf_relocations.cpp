#include "analysis/elf_relocations.h"

namespace isocheck {

std::vector<Relocation> read_relocations(Elf* elf) {
  std::vector<Relocation> relocations;
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
      Relocation r;
      r.offset = rela.r_offset;
      r.relative = GELF_R_TYPE(rela.r_info) == R_X86_64_RELATIVE;
      if (r.relative) {
        r.target = static_cast<GElf_Addr>(rela.r_addend);
      } else {
        GElf_Sym sym;
        const size_t index = GELF_R_SYM(rela.r_info);
        if (index != 0 && symbol_data != nullptr &&
            gelf_getsym(symbol_data, static_cast<int>(index), &sym) != nullptr && sym.st_shndx != SHN_UNDEF) {
          r.target = sym.st_value + static_cast<GElf_Addr>(rela.r_addend);
        }
      }
      relocations.push_back(r);
    }
  }
  return relocations;
}

}  // namespace isocheck
