// FileMirror — the seed's directory layout under the data directory, kept in step with the
// catalog after every committed change:
//   metadata/{strategy_id}.json                 the seed's JSON metadata schema
//   code_snapshots/{version_id}/<artifact>      a copy of the version's built artifact
//   code_snapshots/{version_id}/parameters.json the version's parameter specs and defaults
//   performance_cache/{strategy_id}_metrics.json
// Every file is written atomically: a temporary file in the same folder, fsync, rename, then an
// fsync of the folder. The database stays the source of truth; a failed mirror write is logged
// and retried on the next change, never allowed to fail the change itself.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "registry/catalog/types.h"
#include "registry/common/status.h"

namespace algohost::catalog {

// Writes `content` to `path` atomically (see above). Creates missing folders.
Status write_file_atomically(const std::filesystem::path& path, const std::string& content);

class FileMirror {
 public:
  explicit FileMirror(std::filesystem::path root) : root_(std::move(root)) {}

  // The snapshot path (relative to the root) a version's artifact will be copied to.
  std::string snapshot_path(const std::string& version_id, const std::string& artifact) const;
  // Copies the artifact and writes parameters.json for a version.
  void write_snapshot(const VersionRecord& v, const std::string& artifact);
  // Rewrites metadata/{id}.json and performance_cache/{id}_metrics.json.
  void write_strategy(const StrategyRecord& s, const std::vector<VersionRecord>& versions,
                      const PerformanceMetrics* performance);

  // The seed's metadata document for a strategy.
  static Json metadata_document(const StrategyRecord& s, const std::vector<VersionRecord>& versions);

  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;
};

}  // namespace algohost::catalog
