// Fuzz-target helper: the readers under test take a path, so each input is written to one
// scratch file per process (in /dev/shm when it exists, so no disk I/O) and read back through the
// real entry point. The folder is removed at exit.
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace algohost::fuzz {

class ScratchFile {
 public:
  explicit ScratchFile(const std::string& name) {
    std::error_code ec;
    std::filesystem::path base = std::filesystem::is_directory("/dev/shm", ec) ? std::filesystem::path("/dev/shm")
                                                                                : std::filesystem::temp_directory_path();
    dir_ = base / ("algohost-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    path_ = dir_ / name;
  }
  ~ScratchFile() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  // Replaces the file's content with the input; aborts when it cannot (the run would be meaningless).
  const std::filesystem::path& write(const uint8_t* data, size_t size) {
    std::ofstream out(path_, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!out.flush()) std::abort();
    return path_;
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path dir_, path_;
};

// Stops the run with a message when a property of the code under test does not hold.
#define ALGOHOST_FUZZ_CHECK(cond)                                                             \
  do {                                                                                        \
    if (!(cond)) {                                                                            \
      std::fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, #cond);      \
      std::abort();                                                                           \
    }                                                                                         \
  } while (0)

}  // namespace algohost::fuzz
