// The JSON mirror under the data directory: metadata/{id}.json in the seed's schema, rewritten
// on every change; code_snapshots/{version_id}/ with parameters.json and the artifact copy;
// performance_cache/{id}_metrics.json; atomic writes leave no temporary files.
#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "registry/catalog/catalog.h"
#include "registry/catalog/file_mirror.h"
#include "tests/support/test_support.h"

namespace algohost::catalog {
namespace {

namespace fs = std::filesystem;
using algohost::testing::TempDir;
using algohost::testing::write_file;

using algohost::testing::must;

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + p.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}
Json read_json(const fs::path& p) { return Json::parse(read(p)); }

std::vector<fs::path> temp_files(const fs::path& root) {
  std::vector<fs::path> out;
  if (!fs::exists(root)) return out;
  for (const auto& e : fs::recursive_directory_iterator(root))
    if (e.path().filename().string().find(".tmp.") != std::string::npos) out.push_back(e.path());
  return out;
}

class CatalogMirror : public ::testing::Test {
 protected:
  void SetUp() override {
    CatalogOptions o;
    o.data_dir = dir / "data";
    cat = must(Catalog::open(dir / "catalog.db", o), "open");
    root = dir / "data";
  }
  std::string add(const std::string& name) {
    Registration r;
    r.name = name;
    r.display_name = "Display " + name;
    r.description = "About " + name;
    r.category = "momentum";
    r.sub_category = "time_series";
    r.complexity = "simple";
    r.language = "cpp";
    r.status = "active";
    r.tags = {"momentum", "academic"};
    return must(cat->register_strategy(r), name);
  }
  fs::path metadata(const std::string& id) { return root / "metadata" / (id + ".json"); }

  TempDir dir;
  std::unique_ptr<Catalog> cat;
  fs::path root;
};

TEST_F(CatalogMirror, MetadataFollowsTheSeedSchema) {
  const std::string id = add("vol_mom");
  ASSERT_TRUE(fs::exists(metadata(id)));
  Json doc = read_json(metadata(id));
  ASSERT_TRUE(doc.contains("schema_version")) << doc.dump(2);
  EXPECT_TRUE(doc["schema_version"].is_string());
  ASSERT_TRUE(doc.contains("strategy") && doc["strategy"].is_object()) << doc.dump(2);
  const Json& s = doc["strategy"];
  for (const char* key : {"id", "name", "display_name", "version", "status", "classification"})
    EXPECT_TRUE(s.contains(key)) << key << " missing in " << doc.dump(2);
  EXPECT_EQ(s["id"], id);
  EXPECT_EQ(s["name"], "vol_mom");
  EXPECT_EQ(s["display_name"], "Display vol_mom");
  EXPECT_EQ(s["status"], "active");
  ASSERT_TRUE(s["classification"].is_object());
  EXPECT_EQ(s["classification"]["category"], "momentum");
  EXPECT_EQ(s["classification"]["sub_category"], "time_series");
  EXPECT_EQ(s["classification"]["complexity"], "simple");
  std::vector<std::string> tags = s["classification"]["tags"].get<std::vector<std::string>>();
  std::sort(tags.begin(), tags.end());
  EXPECT_EQ(tags, (std::vector<std::string>{"academic", "momentum"}));
  EXPECT_TRUE(temp_files(root).empty());
}

TEST_F(CatalogMirror, MetadataIsRewrittenOnEveryChange) {
  const std::string id = add("vol_mom");
  const std::string other = add("successor");
  StrategyUpdate u;
  u.display_name = "Volatility Momentum";
  must(cat->update_strategy("vol_mom", u));
  EXPECT_EQ(read_json(metadata(id))["strategy"]["display_name"], "Volatility Momentum");

  VersionCreate v;
  v.version = "1.2.0";
  v.artifact_sha256 = std::string(64, 'a');
  must(cat->create_version("vol_mom", v));
  EXPECT_EQ(read_json(metadata(id))["strategy"]["version"], "1.2.0");

  must(cat->deprecate("vol_mom", "replaced by successor", std::string("successor")));
  Json doc = read_json(metadata(id));
  EXPECT_EQ(doc["strategy"]["status"], "deprecated");
  EXPECT_NE(doc.dump().find("replaced by successor"), std::string::npos) << doc.dump(2);
  EXPECT_NE(doc.dump().find(other), std::string::npos) << "replacement id missing: " << doc.dump(2);

  must(cat->archive("vol_mom"));
  EXPECT_EQ(read_json(metadata(id))["strategy"]["status"], "archived");
  EXPECT_TRUE(temp_files(root).empty());
}

TEST_F(CatalogMirror, VersionSnapshotHasParametersAndTheArtifact) {
  const std::string id = add("vol_mom");
  const fs::path artifact = dir / "build" / "libvol_mom.so";
  std::string bytes = "\x7f" "ELF fake library bytes";
  bytes.push_back('\0');
  bytes += "after a NUL";
  write_file(artifact, bytes);
  VersionCreate v;
  v.version = "1.0.0";
  v.artifact_sha256 = std::string(64, 'a');
  v.artifact_path = artifact.string();
  v.parameters = Json::parse(R"({"period": {"type": "integer", "default": 14, "min": 2, "max": 100}})");
  v.default_parameters = Json{{"period", 14}};
  auto ver = must(cat->create_version("vol_mom", v));

  const fs::path snap = root / "code_snapshots" / ver.version_id;
  ASSERT_TRUE(fs::exists(snap / "parameters.json"));
  Json params = read_json(snap / "parameters.json");
  EXPECT_NE(params.dump().find("\"period\""), std::string::npos) << params.dump(2);
  EXPECT_NE(params.dump().find("14"), std::string::npos) << params.dump(2);
  ASSERT_TRUE(fs::exists(snap / "libvol_mom.so"));
  EXPECT_EQ(read(snap / "libvol_mom.so"), bytes);
  // The version records where its snapshot is, relative to the data directory.
  EXPECT_FALSE(ver.code_snapshot.empty());
  EXPECT_TRUE(fs::exists(root / ver.code_snapshot)) << ver.code_snapshot;
  // The metadata lists the version.
  EXPECT_NE(read(metadata(id)).find(ver.version_id), std::string::npos);
  EXPECT_TRUE(temp_files(root).empty());
}

TEST_F(CatalogMirror, PerformanceCacheAfterRecordingTrades) {
  const std::string id = add("vol_mom");
  TradeRecord t;
  t.strategy_id = "vol_mom";
  t.symbol = "SPY";
  t.entry_timestamp = "2024-01-02T10:00:00Z";
  t.exit_timestamp = "2024-01-02T15:00:00Z";
  t.pnl = 42;
  t.pnl_percentage = 0.42;
  must(cat->record_trade(t));
  const fs::path cache = root / "performance_cache" / (id + "_metrics.json");
  ASSERT_TRUE(fs::exists(cache));
  Json m = read_json(cache);
  EXPECT_EQ(m["trades"], 1) << m.dump(2);
  EXPECT_EQ(m["total_pnl"], 42.0) << m.dump(2);
  // The metadata's live figures follow as well.
  EXPECT_NE(read(metadata(id)).find("42"), std::string::npos);

  t.exit_timestamp = "2024-01-03T15:00:00Z";
  t.entry_timestamp = "2024-01-03T10:00:00Z";
  t.pnl = -2;
  must(cat->record_trade(t));
  m = read_json(cache);
  EXPECT_EQ(m["trades"], 2) << m.dump(2);
  EXPECT_EQ(m["total_pnl"], 40.0) << m.dump(2);
  EXPECT_TRUE(temp_files(root).empty());
}

TEST_F(CatalogMirror, RefusedChangeDoesNotTouchTheMirror) {
  const std::string id = add("vol_mom");
  const std::string before = read(metadata(id));
  EXPECT_FALSE(cat->deprecate("vol_mom", "").ok());
  StrategyUpdate bad;
  bad.status = "zombie";
  EXPECT_FALSE(cat->update_strategy("vol_mom", bad).ok());
  EXPECT_EQ(read(metadata(id)), before);
}

TEST(CatalogMirrorNone, WithoutDataDirNoFilesAreWritten) {
  TempDir dir;
  auto cat = must(Catalog::open(dir / "catalog.db"));
  Registration r;
  r.name = "quiet";
  r.display_name = "Quiet";
  must(cat->register_strategy(r));
  for (const auto& e : fs::directory_iterator(dir.path())) {
    const std::string name = e.path().filename().string();
    EXPECT_EQ(name.rfind("catalog.db", 0), 0u) << "unexpected " << name;
  }
}

TEST(WriteFileAtomically, ReplacesContentCompletelyAndCreatesFolders) {
  TempDir dir;
  const fs::path file = dir / "a" / "b" / "out.json";
  must(write_file_atomically(file, std::string(10000, 'x')));
  EXPECT_EQ(read(file), std::string(10000, 'x'));
  must(write_file_atomically(file, "short"));
  EXPECT_EQ(read(file), "short");  // no tail of the longer content
  must(write_file_atomically(file, ""));
  EXPECT_EQ(read(file), "");
  EXPECT_EQ(fs::file_size(file), 0u);
  EXPECT_TRUE(temp_files(dir.path()).empty());
  std::vector<std::string> entries;
  for (const auto& e : fs::directory_iterator(dir / "a" / "b")) entries.push_back(e.path().filename().string());
  EXPECT_EQ(entries, std::vector<std::string>{"out.json"});
}

TEST(WriteFileAtomically, FailureLeavesTheOldFileAndNoTemporary) {
  TempDir dir;
  const fs::path file = dir / "out.json";
  must(write_file_atomically(file, "old"));
  // A folder where the file's temporary would be renamed over: make the target a directory.
  const fs::path blocked = dir / "blocked";
  fs::create_directories(blocked / "inside");
  Status st = write_file_atomically(blocked, "new");
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kIoError) << st.to_string();
  EXPECT_TRUE(fs::is_directory(blocked));
  EXPECT_TRUE(temp_files(dir.path()).empty());
  EXPECT_EQ(read(file), "old");
}

}  // namespace
}  // namespace algohost::catalog
