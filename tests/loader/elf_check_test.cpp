// check_elf_library() on crafted copies of a built-in plugin library: truncated at several
// offsets, another machine or class in the header, not a shared object, not ELF at all. Each must
// come back as a PluginError naming the file, and the NativeLoader must return it instead of
// handing the file to dlopen (which dies of SIGBUS on a truncated library).
#include "host/loader/elf_check.h"

#include <elf.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include <gtest/gtest.h>

#include "host/loader/native_loader.h"
#include "tests/support/test_support.h"

namespace algohost {
namespace {

using testing::TempDir;

std::vector<char> read_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::filesystem::path write_bytes(const TempDir& dir, const std::vector<char>& bytes, const char* name = "librsi.so") {
  auto p = dir / name;
  std::ofstream(p, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return p;
}

class ElfCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    original_ = read_bytes(ALGOHOST_RSI_LIBRARY);
    ASSERT_GT(original_.size(), sizeof(Elf64_Ehdr));
    std::memcpy(&eh_, original_.data(), sizeof eh_);
    ph_.resize(eh_.e_phnum);
    std::memcpy(ph_.data(), original_.data() + eh_.e_phoff, ph_.size() * sizeof(Elf64_Phdr));
  }
  // A copy of the library cut to `size` bytes.
  std::filesystem::path truncated(size_t size) {
    return write_bytes(dir_, std::vector<char>(original_.begin(), original_.begin() + static_cast<long>(size)));
  }
  Status check_truncated(size_t size) { return check_elf_library(truncated(size)); }
  // A copy with the header changed by `edit`.
  std::filesystem::path edited(void (*edit)(Elf64_Ehdr&)) {
    auto bytes = original_;
    Elf64_Ehdr eh;
    std::memcpy(&eh, bytes.data(), sizeof eh);
    edit(eh);
    std::memcpy(bytes.data(), &eh, sizeof eh);
    return write_bytes(dir_, bytes);
  }

  TempDir dir_;
  std::vector<char> original_;
  Elf64_Ehdr eh_{};
  std::vector<Elf64_Phdr> ph_;
};

void expect_message(const Status& st, const std::string& what) {
  ASSERT_FALSE(st.ok()) << what;
  EXPECT_EQ(st.code(), StatusCode::kPluginError) << st.message();
  EXPECT_NE(st.message().find(what), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("librsi.so"), std::string::npos) << "names the file: " << st.message();
}

TEST_F(ElfCheck, TheIntactLibraryPasses) {
  Status st = check_elf_library(ALGOHOST_RSI_LIBRARY);
  EXPECT_TRUE(st.ok()) << st.message();
  EXPECT_TRUE(check_elf_library(write_bytes(dir_, original_)).ok());
}

TEST_F(ElfCheck, TruncatedInsideTheHeader) {
  expect_message(check_truncated(10), "truncated library");  // inside e_ident
  expect_message(check_truncated(40), "truncated library");
  expect_message(check_truncated(40), "the ELF header ends at byte 64");
  expect_message(check_truncated(sizeof(Elf64_Ehdr) - 1), "truncated library");
}

TEST_F(ElfCheck, TruncatedInsideTheProgramHeaders) {
  ASSERT_GE(ph_.size(), 2u);
  expect_message(check_truncated(eh_.e_phoff + sizeof(Elf64_Phdr) + 8), "the program header table");
  expect_message(check_truncated(eh_.e_phoff + 1), "truncated library");
}

TEST_F(ElfCheck, TruncatedInsideEveryLoadSegment) {
  int checked = 0;
  for (size_t i = 0; i < ph_.size(); ++i) {
    const auto& p = ph_[i];
    const uint64_t phdr_end = eh_.e_phoff + ph_.size() * sizeof(Elf64_Phdr);
    if (p.p_type != PT_LOAD || p.p_filesz < 2 || p.p_offset + p.p_filesz / 2 < phdr_end) continue;
    const Status st = check_truncated(p.p_offset + p.p_filesz / 2);
    expect_message(st, "truncated library");
    EXPECT_NE(st.message().find("loadable segment " + std::to_string(i)), std::string::npos) << st.message();
    ++checked;
  }
  EXPECT_GE(checked, 2) << "a shared library has several PT_LOAD segments past its headers";
}

TEST_F(ElfCheck, TruncatedInsideTheSectionHeaders) {
  ASSERT_NE(eh_.e_shoff, 0u);
  expect_message(check_truncated(eh_.e_shoff + 10), "the section header table");
  expect_message(check_truncated(original_.size() - 1), "truncated library");
}

TEST_F(ElfCheck, AnotherMachineIsNamedWithTheExpectedOne) {
  const Status st = check_elf_library(edited([](Elf64_Ehdr& h) { h.e_machine = EM_AARCH64; }));
  expect_message(st, "built for another machine");
  EXPECT_NE(st.message().find("AArch64 (e_machine 183)"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find(std::string("this host is 64-bit ") + host_elf_machine_name()), std::string::npos)
      << st.message();
  expect_message(check_elf_library(edited([](Elf64_Ehdr& h) { h.e_machine = 0x1234; })), "e_machine 4660");
}

TEST_F(ElfCheck, AnotherClassOrByteOrderIsAnotherMachine) {
  const Status st = check_elf_library(edited([](Elf64_Ehdr& h) { h.e_ident[EI_CLASS] = ELFCLASS32; }));
  expect_message(st, "built for another machine: the library is 32-bit");
  expect_message(check_elf_library(edited([](Elf64_Ehdr& h) { h.e_ident[EI_DATA] = ELFDATA2MSB; })),
                 "built for another machine: the library is big-endian");
  expect_message(check_elf_library(edited([](Elf64_Ehdr& h) { h.e_ident[EI_CLASS] = 7; })),
                 "not an ELF shared library (unknown ELF class 7)");
}

TEST_F(ElfCheck, AnExecutableOrObjectFileIsNotASharedLibrary) {
  expect_message(check_elf_library(edited([](Elf64_Ehdr& h) { h.e_type = ET_EXEC; })),
                 "not an ELF shared library (an executable)");
  expect_message(check_elf_library(edited([](Elf64_Ehdr& h) { h.e_type = ET_REL; })), "not an ELF shared library");
  expect_message(check_elf_library(edited([](Elf64_Ehdr& h) { h.e_phnum = 0; })), "no program headers");
}

TEST_F(ElfCheck, HugeHeaderCountsDoNotOverflow) {
  expect_message(check_elf_library(edited([](Elf64_Ehdr& h) { h.e_phoff = ~0ull - 10; })), "truncated library");
  expect_message(check_elf_library(edited([](Elf64_Ehdr& h) { h.e_shoff = ~0ull - 10; })), "truncated library");
}

TEST_F(ElfCheck, TextAndEmptyFilesAreNotElf) {
  const std::string text = "this is not a library\n";
  expect_message(check_elf_library(write_bytes(dir_, std::vector<char>(text.begin(), text.end()))),
                 "not an ELF shared library (no ELF magic number");
  expect_message(check_elf_library(write_bytes(dir_, {})), "not an ELF shared library");
  expect_message(check_elf_library(write_bytes(dir_, {'\x7f', 'E', 'L'})), "not an ELF shared library");
  // The magic alone is a cut-short ELF file.
  expect_message(check_elf_library(write_bytes(dir_, {'\x7f', 'E', 'L', 'F', 2})), "truncated library");
}

// Through the loader: the check runs before dlopen, so a truncated library is a load error.
TEST_F(ElfCheck, TheLoaderRefusesATruncatedLibraryInsteadOfCrashing) {
  TempDir plugins;
  NativeLoader loader;
  for (size_t cut : {size_t{100}, static_cast<size_t>(eh_.e_shoff - 1), original_.size() / 2}) {
    auto lib = truncated(cut);
    auto doc = testing::fixture_manifest("cut" + std::to_string(cut), "1.0.0", lib.string());
    auto report = load_manifest(testing::install_fixture(plugins.path(), lib.string(), doc));
    ASSERT_TRUE(report.ok()) << report.error_summary();
    auto loaded = loader.load(*report.manifest);
    ASSERT_FALSE(loaded.ok());
    expect_message(loaded.status(), "truncated library");
  }
  // A text file saved as .so: the same check, not dlopen's "invalid ELF header".
  const std::string text = "not a library";
  auto lib = write_bytes(dir_, std::vector<char>(text.begin(), text.end()));
  auto report = load_manifest(testing::install_fixture(plugins.path(), lib.string(),
                                                       testing::fixture_manifest("text", "1.0.0", lib.string())));
  ASSERT_TRUE(report.ok()) << report.error_summary();
  auto loaded = loader.load(*report.manifest);
  ASSERT_FALSE(loaded.ok());
  expect_message(loaded.status(), "not an ELF shared library");
}

}  // namespace
}  // namespace algohost
