// The dashboard's web files (host/dashboard/web/**) as compiled into the binary: a table generated
// at build time by host/dashboard/embed_files.cmake. Paths are relative to web/, with '/'
// separators ("index.html", "vendor/uplot.js"). The table ends with a row whose path is null.
#pragma once

#include <cstddef>

namespace algohost::dashboard {

struct EmbeddedFile {
  const char* path;
  const unsigned char* data;
  size_t size;
};

const EmbeddedFile* embedded_files();

}  // namespace algohost::dashboard
