// Default sanitizer settings for the GoogleTest programs of a sanitizer build (ALGOHOST_SANITIZE;
// linked only there, see tests/CMakeLists.txt). The runtimes read these hooks at start-up, so a
// test run by hand behaves as under ctest; ASAN_OPTIONS / UBSAN_OPTIONS / LSAN_OPTIONS set in the
// environment still override them. docs/testing.md explains the build.
extern "C" {

// Stack traces for UB reports; -fno-sanitize-recover=undefined already makes UB fatal.
const char* __ubsan_default_options() { return "print_stacktrace=1:halt_on_error=1"; }

const char* __asan_default_options() { return "strict_string_checks=1:detect_invalid_pointer_pairs=0"; }

// Leaks that are not ours:
// - the embedded CPython interpreter is never finalized (DESIGN.md: one interpreter for the life of
//   the process), so what it and the extension modules it imports (numpy) allocated is still
//   held only by its own state at exit;
// - OpenSSL's process-wide method cache, filled by the first EVP_DigestInit_ex (sha256_file) and
//   not freed at exit once the interpreter has started: a fixed 4169 bytes in 45 blocks whatever
//   the number of hashes (checked with --gtest_repeat), and none in a process without Python.
//   The unwinder cannot walk libcrypto's frames, so only the library name identifies it.
const char* __lsan_default_suppressions() {
  return "leak:libpython3\n"
         "leak:_multiarray_umath\n"
         "leak:libcrypto.so\n";
}

}  // extern "C"
