// The CSV reader: layouts it accepts, and every malformed row reported with file and line.
#include "host/data/csv_reader.h"

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace algohost {
namespace {

using testing::TempDir;
using testing::write_file;

TEST(CsvReader, OneSymbolPerFileNamedByStem) {
  TempDir dir;
  write_file(dir / "AAPL.csv",
             "\xEF\xBB\xBF" "Date,Open,High,Low,Close,Adj Close,Volume\r\n"
             "2024-01-02,10,11,9,10.5,10.4,1000\r\n"
             "2024-01-03,10.5,12,10,11.5,11.4,2000\r\n");
  CsvReport rep;
  auto md = read_csv(dir / "AAPL.csv", {}, &rep);
  ASSERT_TRUE(md.ok()) << md.status().message();
  ASSERT_EQ(md->series.size(), 1u);
  const BarSeries& s = md->series[0];
  EXPECT_EQ(s.symbol, "AAPL");
  ASSERT_EQ(s.size(), 2u);
  EXPECT_DOUBLE_EQ(s.close[1], 11.5);  // "Adj Close" is ignored, not mistaken for close
  EXPECT_DOUBLE_EQ(s.volume[1], 2000);
  EXPECT_EQ(rep.rows_read, 2u);
}

TEST(CsvReader, SymbolColumnAndEpochTimestamps) {
  TempDir dir;
  write_file(dir / "bars.csv",
             "symbol,timestamp,open,high,low,close,volume\n"
             "B,1704153600000,1,1,1,1,5\n"
             "A,1704153600,2,2,2,2,5\n"
             "A,1704240000,2,3,2,3,5\n");
  auto md = read_csv(dir / "bars.csv", {});
  ASSERT_TRUE(md.ok()) << md.status().message();
  ASSERT_EQ(md->series.size(), 2u);
  EXPECT_EQ(md->series[0].symbol, "A");
  EXPECT_EQ(md->series[0].ts_ms[0], 1704153600000LL);  // seconds and milliseconds agree
  EXPECT_EQ(md->series[1].ts_ms[0], 1704153600000LL);
}

struct BadRow {
  const char* row;
  const char* expected;
};

class CsvBadRow : public ::testing::TestWithParam<BadRow> {};

TEST_P(CsvBadRow, ReportedWithFileAndLine) {
  TempDir dir;
  write_file(dir / "X.csv",
             std::string("timestamp,open,high,low,close,volume\n2024-01-02,10,11,9,10,100\n") + GetParam().row + "\n");
  auto md = read_csv(dir / "X.csv", {});
  ASSERT_FALSE(md.ok());
  EXPECT_EQ(md.status().code(), StatusCode::kInvalidArgument);
  const std::string msg = md.status().message();
  EXPECT_NE(msg.find((dir / "X.csv").string() + ":3: "), std::string::npos) << msg;
  EXPECT_NE(msg.find(GetParam().expected), std::string::npos) << msg;
}

INSTANTIATE_TEST_SUITE_P(
    AllKinds, CsvBadRow,
    ::testing::Values(BadRow{"2024-01-03,10,11,9,abc,100", "close 'abc' is not a number"},
                      BadRow{"2024-01-03,10,11,9,10", "expected 6 columns, found 5"},
                      BadRow{"2024-01-02,10,11,9,10,100", "duplicate timestamp"},
                      BadRow{"2024-01-01,10,11,9,10,100", "out-of-order timestamp"},
                      BadRow{"2024-01-03,-10,11,9,10,100", "open -10 is negative"},
                      BadRow{"2024-01-03,10,8,9,10,100", "high 8.000000 is below low"},
                      BadRow{"2024-01-03,10,10.5,9,11,100", "below open or close"},
                      BadRow{"2024-01-03,10,12,10.5,11,100", "above open or close"},
                      BadRow{"not-a-date,10,11,9,10,100", "timestamp 'not-a-date'"},
                      BadRow{"2024-01-03,10,11,9,10,-1", "volume -1 is negative"},
                      BadRow{"2024-01-03,10,11,9,nan,100", "close is not finite"}));

TEST(CsvReader, SkipModeCountsAndKeepsGoodRows) {
  TempDir dir;
  write_file(dir / "X.csv",
             "timestamp,open,high,low,close,volume\n"
             "2024-01-02,10,11,9,10,100\n"
             "2024-01-03,10,11,9,oops,100\n"
             "2024-01-03,10,11,9,10,100\n"
             "2024-01-03,10,11,9,10,100\n");
  CsvOptions opt;
  opt.on_bad_row = CsvOptions::OnBadRow::kSkip;
  CsvReport rep;
  auto md = read_csv(dir / "X.csv", opt, &rep);
  ASSERT_TRUE(md.ok());
  EXPECT_EQ(md->series[0].size(), 2u);
  EXPECT_EQ(rep.rows_read, 2u);
  EXPECT_EQ(rep.rows_skipped, 2u);
  ASSERT_EQ(rep.problems.size(), 2u);
  EXPECT_NE(rep.problems[0].find("X.csv:3:"), std::string::npos);
  EXPECT_NE(rep.problems[1].find("X.csv:5: duplicate timestamp"), std::string::npos);
}

TEST(CsvReader, HeaderProblems) {
  TempDir dir;
  write_file(dir / "a.csv", "timestamp,open,high,low,close\n2024-01-02,1,1,1,1\n");
  auto r = read_csv(dir / "a.csv", {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("a.csv:1: header lacks a 'volume' column"), std::string::npos);
  write_file(dir / "b.csv", "");
  EXPECT_NE(read_csv(dir / "b.csv", {}).status().message().find("empty file"), std::string::npos);
  write_file(dir / "c.csv", "timestamp,open,high,low,close,volume\n");
  EXPECT_NE(read_csv(dir / "c.csv", {}).status().message().find("no valid bars"), std::string::npos);
  EXPECT_EQ(read_csv(dir / "missing.csv", {}).status().code(), StatusCode::kNotFound);
}

TEST(CsvReader, DirectoryOfFilesRefusesDuplicateSymbols) {
  TempDir dir;
  const std::string header = "timestamp,open,high,low,close,volume\n";
  write_file(dir / "A.csv", header + "2024-01-02,1,1,1,1,1\n");
  write_file(dir / "B.csv", header + "2024-01-02,2,2,2,2,1\n");
  auto md = read_market_data(dir.path(), {});
  ASSERT_TRUE(md.ok()) << md.status().message();
  EXPECT_EQ(md->series.size(), 2u);
  write_file(dir / "C.csv", "symbol," + header + "A,2024-01-03,1,1,1,1,1\n");
  auto dup = read_market_data(dir.path(), {});
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("symbol A is also in"), std::string::npos);
}

}  // namespace
}  // namespace algohost
