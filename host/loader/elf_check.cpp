#include "host/loader/elf_check.h"

#include <elf.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

namespace algohost {
namespace fs = std::filesystem;
namespace {

// The ELF class, byte order and machine this build loads, decided at compile time.
constexpr unsigned char kHostClass = sizeof(void*) == 8 ? ELFCLASS64 : ELFCLASS32;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
constexpr unsigned char kHostData = ELFDATA2MSB;
#else
constexpr unsigned char kHostData = ELFDATA2LSB;
#endif
#if defined(__x86_64__)
constexpr uint16_t kHostMachine = EM_X86_64;
#elif defined(__aarch64__)
constexpr uint16_t kHostMachine = EM_AARCH64;
#elif defined(__i386__)
constexpr uint16_t kHostMachine = EM_386;
#elif defined(__arm__)
constexpr uint16_t kHostMachine = EM_ARM;
#elif defined(__riscv)
constexpr uint16_t kHostMachine = EM_RISCV;
#elif defined(__powerpc64__)
constexpr uint16_t kHostMachine = EM_PPC64;
#elif defined(__s390x__)
constexpr uint16_t kHostMachine = EM_S390;
#elif defined(__loongarch__)
constexpr uint16_t kHostMachine = 258;  // EM_LOONGARCH
#else
constexpr uint16_t kHostMachine = EM_NONE;  // an architecture not listed here: e_machine is not checked
#endif

// This check reads 64-bit ELF only; a 32-bit host would need the Elf32 structures.
static_assert(kHostClass == ELFCLASS64, "elf_check reads 64-bit ELF files only");

std::string machine_name(uint16_t m) {
  switch (m) {
    case EM_386: return "x86 (32-bit)";
    case EM_X86_64: return "x86-64";
    case EM_AARCH64: return "AArch64";
    case EM_ARM: return "ARM (32-bit)";
    case EM_RISCV: return "RISC-V";
    case EM_PPC: return "PowerPC (32-bit)";
    case EM_PPC64: return "PowerPC64";
    case EM_S390: return "s390x";
    case EM_MIPS: return "MIPS";
    case EM_SPARCV9: return "SPARC V9";
    case 258: return "LoongArch";
    default: return "unknown machine";
  }
}

std::string machine_text(uint16_t m) { return machine_name(m) + " (e_machine " + std::to_string(m) + ")"; }

std::string class_text(unsigned char c) {
  return c == ELFCLASS64 ? "64-bit" : c == ELFCLASS32 ? "32-bit" : "class " + std::to_string(c);
}

// Reads `n` bytes at `offset`; false when the file has fewer.
bool read_at(std::ifstream& in, uint64_t offset, void* dst, size_t n) {
  in.clear();
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(static_cast<char*>(dst), static_cast<std::streamsize>(n));
  return static_cast<size_t>(in.gcount()) == n;
}

// end = offset + count * size, false on overflow.
bool range_end(uint64_t offset, uint64_t count, uint64_t size, uint64_t& end) {
  if (size != 0 && count > UINT64_MAX / size) return false;
  return !__builtin_add_overflow(offset, count * size, &end);
}

}  // namespace

const char* host_elf_machine_name() {
  static const std::string kName = machine_name(kHostMachine);
  return kName.c_str();
}

Status check_elf_library(const fs::path& file) {
  const std::string where = file.string();
  auto not_elf = [&](const std::string& why) {
    return Status::PluginError(where + ": not an ELF shared library (" + why + ")");
  };
  auto truncated = [&](uint64_t size, const std::string& what, uint64_t end) {
    return Status::PluginError(where + ": truncated library: the file is " + std::to_string(size) + " bytes but " +
                               what + " ends at byte " + std::to_string(end));
  };
  auto other_machine = [&](const std::string& found, const std::string& expected) {
    return Status::PluginError(where + ": built for another machine: the library is " + found + ", this host is " +
                               expected);
  };

  std::error_code ec;
  const uintmax_t size = fs::file_size(file, ec);
  if (ec) return Status::IoError(where + ": " + ec.message());
  std::ifstream in(file, std::ios::binary);
  if (!in) return Status::IoError(where + ": cannot open for reading");

  unsigned char ident[EI_NIDENT] = {};
  const size_t got = size < EI_NIDENT ? static_cast<size_t>(size) : EI_NIDENT;
  if (!read_at(in, 0, ident, got)) return Status::IoError(where + ": read error");
  if (got < SELFMAG || std::memcmp(ident, ELFMAG, SELFMAG) != 0) return not_elf("no ELF magic number at its start");
  if (got < EI_NIDENT) return truncated(size, "the ELF identification", EI_NIDENT);
  const unsigned char cls = ident[EI_CLASS], data = ident[EI_DATA];
  if (cls != ELFCLASS32 && cls != ELFCLASS64) return not_elf("unknown ELF class " + std::to_string(cls));
  if (data != ELFDATA2LSB && data != ELFDATA2MSB) return not_elf("unknown ELF byte order " + std::to_string(data));
  if (ident[EI_VERSION] != EV_CURRENT) return not_elf("unknown ELF version " + std::to_string(ident[EI_VERSION]));
  const std::string expected = class_text(kHostClass) + " " + machine_text(kHostMachine);
  if (data != kHostData)
    return other_machine(std::string(data == ELFDATA2MSB ? "big" : "little") + "-endian",
                         std::string(kHostData == ELFDATA2MSB ? "big" : "little") + "-endian " + expected);
  if (cls != kHostClass) {
    // e_machine sits at the same offset in both classes.
    uint16_t machine = 0;
    const bool known = read_at(in, offsetof(Elf64_Ehdr, e_machine), &machine, sizeof machine);
    return other_machine(class_text(cls) + (known ? " " + machine_text(machine) : std::string()), expected);
  }

  Elf64_Ehdr eh;
  if (size < sizeof eh) return truncated(size, "the ELF header", sizeof eh);
  if (!read_at(in, 0, &eh, sizeof eh)) return Status::IoError(where + ": read error");
  if (kHostMachine != EM_NONE && eh.e_machine != kHostMachine)
    return other_machine(class_text(cls) + " " + machine_text(eh.e_machine), expected);
  if (eh.e_type != ET_DYN)
    return not_elf(eh.e_type == ET_EXEC ? "an executable" : eh.e_type == ET_REL ? "an object file, not linked"
                   : eh.e_type == ET_CORE ? "a core dump" : "ELF type " + std::to_string(eh.e_type));

  if (eh.e_phnum == 0) return not_elf("no program headers");
  if (eh.e_phentsize != sizeof(Elf64_Phdr))
    return not_elf("program header entries of " + std::to_string(eh.e_phentsize) + " bytes, expected " +
                   std::to_string(sizeof(Elf64_Phdr)));
  uint64_t ph_end = 0;
  if (!range_end(eh.e_phoff, eh.e_phnum, eh.e_phentsize, ph_end) || ph_end > size)
    return truncated(size, "the program header table (" + std::to_string(eh.e_phnum) + " entries)",
                     ph_end ? ph_end : UINT64_MAX);
  std::vector<Elf64_Phdr> ph(eh.e_phnum);
  if (!read_at(in, eh.e_phoff, ph.data(), ph.size() * sizeof(Elf64_Phdr)))
    return Status::IoError(where + ": read error");
  for (size_t i = 0; i < ph.size(); ++i) {
    if (ph[i].p_type != PT_LOAD) continue;
    uint64_t end = 0;
    if (!range_end(ph[i].p_offset, 1, ph[i].p_filesz, end) || end > size)
      return truncated(size, "loadable segment " + std::to_string(i) + " (PT_LOAD at offset " +
                                 std::to_string(ph[i].p_offset) + ", " + std::to_string(ph[i].p_filesz) + " bytes)",
                       end ? end : UINT64_MAX);
  }

  if (eh.e_shoff != 0) {
    // e_shnum 0 with a table present: the real count is in section 0 (extended numbering); check that entry.
    const uint64_t count = eh.e_shnum == 0 ? 1 : eh.e_shnum;
    if (eh.e_shentsize != sizeof(Elf64_Shdr))
      return not_elf("section header entries of " + std::to_string(eh.e_shentsize) + " bytes, expected " +
                     std::to_string(sizeof(Elf64_Shdr)));
    uint64_t sh_end = 0;
    if (!range_end(eh.e_shoff, count, eh.e_shentsize, sh_end) || sh_end > size)
      return truncated(size, "the section header table (" + std::to_string(count) + " entries)",
                       sh_end ? sh_end : UINT64_MAX);
  }
  return Status::Ok();
}

}  // namespace algohost
