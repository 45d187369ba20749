// The report's HTML assembly (host/report/report_html.h): scripts and stylesheets inlined, the data
// token replaced with "</" made safe, no http(s) left; missing files, a missing token and a
// template that refers to the network are errors naming them.
#include <gtest/gtest.h>

#include <map>

#include "host/report/report_html.h"

namespace algohost::report {
namespace {

AssetReader files(std::map<std::string, std::string> f) {
  return [f = std::move(f)](std::string_view path) -> Result<std::string> {
    auto it = f.find(std::string(path));
    if (it == f.end()) return Status::NotFound("no file '" + std::string(path) + "'");
    return it->second;
  };
}

const std::map<std::string, std::string> kFiles = {
    {"app.js", "const ns = \"http://www.w3.org/2000/svg\"; const s = '</script>'; if (a</b) {}"},
    {"style.css", "body { color: red; }"}};

TEST(ReportHtml, InlinesScriptsAndStylesAndReplacesTheToken) {
  const std::string tpl =
      "<html><head><link rel=\"stylesheet\" href=\"style.css\"><link rel=\"icon\" href=\"x.svg\"></head><body>"
      "<script src=\"app.js\"></script><script>const DATA = \"__ALGOHOST_REPORT_DATA__\";</script></body></html>";
  auto out = render_report_html(tpl, R"({"note":"</script><b>","url":"https://example.org/x"})", files(kFiles));
  ASSERT_TRUE(out.ok()) << out.status().message();
  const std::string& html = *out;
  EXPECT_NE(html.find("<style>body { color: red; }</style>"), std::string::npos) << html;
  EXPECT_EQ(html.find("href=\"style.css\""), std::string::npos);
  EXPECT_NE(html.find("<link rel=\"icon\" href=\"x.svg\">"), std::string::npos);  // not a stylesheet: kept
  EXPECT_EQ(html.find("src=\"app.js\""), std::string::npos);
  // The script's own "</script" cannot end its element; "a</b" is code, left alone.
  EXPECT_NE(html.find("const s = '<\\/script>'"), std::string::npos) << html;
  EXPECT_NE(html.find("if (a</b) {}"), std::string::npos) << html;
  // The data: every "</" escaped; the token (with its quotes) gone.
  EXPECT_NE(html.find(R"(const DATA = {"note":"<\/script><b>","url":"https:\/\/example.org/x"};)"), std::string::npos) << html;
  EXPECT_EQ(html.find("__ALGOHOST_REPORT_DATA__"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  // Exactly the template's two script elements end in the file.
  size_t ends = 0;
  for (size_t at = 0; (at = html.find("</script>", at)) != std::string::npos; ++at) ++ends;
  EXPECT_EQ(ends, 2u);
}

TEST(ReportHtml, MissingFilesTokenOrANetworkReferenceAreErrors) {
  auto missing = render_report_html("<script src=\"gone.js\"></script><script>\"__ALGOHOST_REPORT_DATA__\"</script>", "{}",
                                    files(kFiles));
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("gone.js"), std::string::npos);
  auto no_css = render_report_html("<link href=\"gone.css\" rel=\"stylesheet\"/><script>\"__ALGOHOST_REPORT_DATA__\"</script>",
                                   "{}", files(kFiles));
  EXPECT_NE(no_css.status().message().find("gone.css"), std::string::npos);
  auto no_token = render_report_html("<script>const x = 1;</script>", "{}", files(kFiles));
  EXPECT_EQ(no_token.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(no_token.status().message().find("__ALGOHOST_REPORT_DATA__"), std::string::npos);
  auto network = render_report_html(
      "<img src=\"https://cdn.example/x.png\"><script>\"__ALGOHOST_REPORT_DATA__\"</script>", "{}", files(kFiles));
  EXPECT_EQ(network.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(network.status().message().find("cdn.example"), std::string::npos);
  auto unclosed = render_report_html("<script>\"__ALGOHOST_REPORT_DATA__\"", "{}", files(kFiles));
  EXPECT_FALSE(unclosed.ok());
}

}  // namespace
}  // namespace algohost::report
