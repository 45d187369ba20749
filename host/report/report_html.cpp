#include "host/report/report_html.h"

#include <cctype>
#include <optional>

namespace algohost::report {
namespace {

std::string replace_all(std::string text, std::string_view from, std::string_view to) {
  size_t at = 0;
  while ((at = text.find(from, at)) != std::string::npos) {
    text.replace(at, from.size(), to);
    at += to.size();
  }
  return text;
}

std::string no_scheme(std::string text) {
  text = replace_all(std::move(text), "http://", "http:\\/\\/");
  return replace_all(std::move(text), "https://", "https:\\/\\/");
}

// The data JSON inside a <script>: every "</" written "<\/" (JSON reads it the same).
std::string data_safe(std::string json) { return no_scheme(replace_all(std::move(json), "</", "<\\/")); }

// A script's code inside a <script>: only "</script" (any case) would end it early; in a string,
// regex or comment "<\/script" is the same to JavaScript.
std::string code_safe(std::string code) {
  for (size_t at = 0; (at = code.find("</", at)) != std::string::npos; at += 3) {
    std::string word = code.substr(at + 2, 6);
    for (auto& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (word == "script") code.replace(at, 2, "<\\/");
  }
  return no_scheme(std::move(code));
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The value of attribute `name` in a tag's text ("<script src=\"a.js\" defer>"), quoted with " or '.
std::optional<std::string> attribute(std::string_view tag, std::string_view name) {
  const std::string t = lower(tag);
  size_t at = 0;
  while ((at = t.find(name, at)) != std::string::npos) {
    const bool starts = at > 0 && std::isspace(static_cast<unsigned char>(t[at - 1]));
    size_t i = at + name.size();
    while (i < t.size() && std::isspace(static_cast<unsigned char>(t[i]))) ++i;
    if (starts && i < t.size() && t[i] == '=') {
      ++i;
      while (i < t.size() && std::isspace(static_cast<unsigned char>(t[i]))) ++i;
      if (i < t.size() && (t[i] == '"' || t[i] == '\'')) {
        const size_t end = t.find(t[i], i + 1);
        if (end != std::string::npos) return std::string(tag.substr(i + 1, end - i - 1));
      }
    }
    at += name.size();
  }
  return std::nullopt;
}

}  // namespace

Result<std::string> render_report_html(std::string_view tpl, const std::string& data_json, const AssetReader& read) {
  const std::string low = lower(tpl);
  std::string out;
  out.reserve(tpl.size() + data_json.size());
  size_t pos = 0;
  bool token_seen = false;
  while (pos < tpl.size()) {
    const size_t script = low.find("<script", pos), link = low.find("<link", pos);
    const size_t next = std::min(script, link);
    if (next == std::string::npos) break;
    const size_t tag_end = low.find('>', next);
    if (tag_end == std::string::npos) break;
    const std::string_view tag = tpl.substr(next, tag_end + 1 - next);
    out.append(tpl.substr(pos, next - pos));
    if (next == script) {
      const size_t close = low.find("</script", tag_end);
      const size_t close_end = close == std::string::npos ? std::string::npos : low.find('>', close);
      if (close_end == std::string::npos) return Status::InvalidArgument("report template: a <script> is not closed");
      const auto src = attribute(tag, "src");
      if (src) {
        auto body = read(*src);
        if (!body.ok()) return body.status().with_context("report template <script src=\"" + *src + "\">");
        out += "<script>" + code_safe(std::move(*body)) + "</script>";
      } else {
        std::string body(tpl.substr(tag_end + 1, close - tag_end - 1));
        if (body.find(kDataToken) != std::string::npos) {
          token_seen = true;
          body = replace_all(std::move(body), kDataToken, data_safe(data_json));
        }
        out.append(tag);
        out += body;
        out.append(tpl.substr(close, close_end + 1 - close));
      }
      pos = close_end + 1;
      continue;
    }
    const auto rel = attribute(tag, "rel");
    const auto href = attribute(tag, "href");
    if (rel && lower(*rel) == "stylesheet" && href) {
      auto css = read(*href);
      if (!css.ok()) return css.status().with_context("report template <link href=\"" + *href + "\">");
      out += "<style>" + replace_all(std::move(*css), "</", "<\\/") + "</style>";
    } else {
      out.append(tag);
    }
    pos = tag_end + 1;
  }
  out.append(tpl.substr(std::min(pos, tpl.size())));
  if (!token_seen)
    return Status::InvalidArgument("report template: no inline <script> holds the data token " + std::string(kDataToken));
  for (std::string_view scheme : {"http://", "https://"}) {
    if (const size_t at = out.find(scheme); at != std::string::npos) {
      const size_t from = at > 40 ? at - 40 : 0;
      return Status::FailedPrecondition("report: the assembled file refers to the network (\"..." +
                                        out.substr(from, at - from + 60) + "...\"); it must open offline");
    }
  }
  return out;
}

}  // namespace algohost::report
