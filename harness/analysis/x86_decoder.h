#pragma once
// Capstone, opened for x86-64 with instruction details: what lint's code readers decode with
// (analysis/data_writes.cpp, analysis/module_slots.cpp).

#include <capstone/capstone.h>

#include <memory>

namespace isocheck {

struct CapstoneCloser {
  void operator()(csh* handle) const {
    cs_close(handle);
    delete handle;
  }
};
using X86Decoder = std::unique_ptr<csh, CapstoneCloser>;

// Null when capstone cannot decode x86-64 here.
inline X86Decoder open_x86_64_decoder() {
  auto handle = std::make_unique<csh>();
  if (cs_open(CS_ARCH_X86, CS_MODE_64, handle.get()) != CS_ERR_OK) return nullptr;
  cs_option(*handle, CS_OPT_DETAIL, CS_OPT_ON);
  return X86Decoder(handle.release());
}

}  // namespace isocheck
