#include "registry/catalog/search_query.h"

#include <cctype>
#include <vector>

namespace algohost::catalog {

namespace {

constexpr size_t kMaxTerms = 64;  // words and phrases in one query
constexpr int kMaxDepth = 16;     // nested parentheses

const char* const kSyntax =
    " (a query is words side by side, all of which must match, \"phrases\", prefix*, AND, OR, "
    "NOT as 'a NOT b', NEAR(a b, N) and parentheses)";

bool word_char(unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; }

enum class Kind { kWord, kPhrase, kAnd, kOr, kNot, kNear, kOpen, kClose, kComma, kEnd };

struct Token {
  Kind kind = Kind::kEnd;
  std::string text;  // a word; a phrase's words, space-separated
  bool prefix = false;
};

const char* operator_name(Kind k) {
  switch (k) {
    case Kind::kAnd: return "AND";
    case Kind::kOr: return "OR";
    case Kind::kNot: return "NOT";
    default: return "?";
  }
}

class Parser {
 public:
  explicit Parser(const std::string& text) : text_(text) {}

  Result<std::string> run() {
    if (!lex()) return failure();
    size_t terms = 0;
    bool plain = true;  // only words, none with a '*'
    for (const auto& t : tokens_) {
      if (t.kind == Kind::kWord || t.kind == Kind::kPhrase) ++terms;
      if (t.kind != Kind::kWord || t.prefix) plain = false;
    }
    if (tokens_.empty()) return std::string();  // nothing to look for
    if (terms > kMaxTerms) {
      problem_ = "more than " + std::to_string(kMaxTerms) + " words and phrases";
      return failure();
    }
    if (plain) tokens_.back().prefix = true;  // the last word may still be being typed
    tokens_.push_back({Kind::kEnd, "", false});
    std::string out = parse_or(0);
    if (problem_.empty() && peek().kind != Kind::kEnd)
      problem_ = peek().kind == Kind::kClose ? "')' has no '(' before it" : "unexpected text";
    if (!problem_.empty()) return failure();
    return out;
  }

 private:
  Status failure() const {
    std::string shown = text_.size() > 80 ? text_.substr(0, 77) + "..." : text_;
    return Status::InvalidArgument("search '" + shown + "': " + problem_ + kSyntax);
  }

  // Splits the text into tokens; false (problem_ set) on an unclosed quote or an empty phrase.
  bool lex() {
    const std::string& s = text_;
    int near_depth = -1;  // parenthesis depth of an open NEAR( group, -1 outside one
    int depth = 0;
    for (size_t i = 0; i < s.size();) {
      const unsigned char c = static_cast<unsigned char>(s[i]);
      if (c == '"') {
        const size_t close = s.find('"', i + 1);
        if (close == std::string::npos) {
          problem_ = "a quote (\") is not closed";
          return false;
        }
        Token t{Kind::kPhrase, words_of(s.substr(i + 1, close - i - 1)), false};
        if (t.text.empty()) {
          problem_ = "the phrase \"" + s.substr(i + 1, close - i - 1) + "\" has no words";
          return false;
        }
        i = close + 1;
        if (i < s.size() && s[i] == '*') {
          t.prefix = true;
          ++i;
        }
        tokens_.push_back(std::move(t));
      } else if (word_char(c)) {
        size_t end = i;
        while (end < s.size() && word_char(static_cast<unsigned char>(s[end]))) ++end;
        Token t{Kind::kWord, s.substr(i, end - i), false};
        i = end;
        if (i < s.size() && s[i] == '*') {
          t.prefix = true;
          ++i;
        }
        if (!t.prefix && t.text == "AND") t.kind = Kind::kAnd;
        if (!t.prefix && t.text == "OR") t.kind = Kind::kOr;
        if (!t.prefix && t.text == "NOT") t.kind = Kind::kNot;
        if (!t.prefix && t.text == "NEAR" && i < s.size() && s[i] == '(') {
          t.kind = Kind::kNear;
          near_depth = depth;
        }
        tokens_.push_back(std::move(t));
      } else if (c == '(') {
        ++depth;
        tokens_.push_back({Kind::kOpen, "", false});
        ++i;
      } else if (c == ')') {
        --depth;
        if (depth == near_depth) near_depth = -1;
        tokens_.push_back({Kind::kClose, "", false});
        ++i;
      } else if (c == ',' && near_depth >= 0) {
        tokens_.push_back({Kind::kComma, "", false});
        ++i;
      } else {
        ++i;  // a separator
      }
    }
    return true;
  }

  static std::string words_of(const std::string& s) {
    std::string out, cur;
    for (unsigned char c : s + " ") {
      if (word_char(c)) {
        cur.push_back(static_cast<char>(c));
      } else if (!cur.empty()) {
        out += (out.empty() ? "" : " ") + cur;
        cur.clear();
      }
    }
    return out;
  }

  static std::string quoted(const Token& t) { return "\"" + t.text + "\"" + (t.prefix ? "*" : ""); }

  const Token& peek() const { return tokens_[pos_]; }
  bool starts_term() const {
    const Kind k = peek().kind;
    return k == Kind::kWord || k == Kind::kPhrase || k == Kind::kOpen || k == Kind::kNear;
  }
  // After operator `op`: a term must follow.
  bool need_term(Kind op) {
    if (starts_term()) return true;
    if (problem_.empty()) problem_ = std::string(operator_name(op)) + " needs a search term on each side";
    return false;
  }

  static std::string group(const std::vector<std::string>& parts, const char* op) {
    if (parts.size() == 1) return parts.front();
    std::string out = "(";
    for (size_t i = 0; i < parts.size(); ++i) out += (i ? std::string(" ") + op + " " : "") + parts[i];
    return out + ")";
  }

  std::string parse_or(int depth) {
    std::vector<std::string> parts{parse_and(depth)};
    while (problem_.empty() && peek().kind == Kind::kOr) {
      ++pos_;
      if (!need_term(Kind::kOr)) return "";
      parts.push_back(parse_and(depth));
    }
    return group(parts, "OR");
  }

  std::string parse_and(int depth) {
    std::vector<std::string> parts{parse_not(depth)};
    while (problem_.empty()) {
      if (peek().kind == Kind::kAnd) {
        ++pos_;
        if (!need_term(Kind::kAnd)) return "";
      } else if (!starts_term()) {
        break;
      }
      parts.push_back(parse_not(depth));
    }
    return group(parts, "AND");
  }

  std::string parse_not(int depth) {
    std::vector<std::string> parts{parse_primary(depth)};
    while (problem_.empty() && peek().kind == Kind::kNot) {
      ++pos_;
      if (!need_term(Kind::kNot)) return "";
      parts.push_back(parse_primary(depth));
    }
    return group(parts, "NOT");
  }

  std::string parse_primary(int depth) {
    if (!problem_.empty()) return "";
    const Token& t = peek();
    switch (t.kind) {
      case Kind::kWord:
      case Kind::kPhrase:
        ++pos_;
        return quoted(t);
      case Kind::kOpen: {
        ++pos_;
        if (depth + 1 > kMaxDepth) {
          problem_ = "parentheses nested more than " + std::to_string(kMaxDepth) + " deep";
          return "";
        }
        if (peek().kind == Kind::kClose) {
          problem_ = "'()' holds nothing";
          return "";
        }
        std::string inner = parse_or(depth + 1);
        if (!problem_.empty()) return "";
        if (peek().kind != Kind::kClose) {
          problem_ = "'(' is not closed";
          return "";
        }
        ++pos_;
        return inner;  // a group of two or more terms is parenthesized already
      }
      case Kind::kNear: return parse_near();
      case Kind::kClose: problem_ = "')' has no '(' before it"; return "";
      case Kind::kAnd:
      case Kind::kOr: problem_ = std::string(operator_name(t.kind)) + " needs a search term on each side"; return "";
      case Kind::kNot: problem_ = "NOT needs a search term on each side: write 'a NOT b'"; return "";
      default: problem_ = "the query ends too early"; return "";
    }
  }

  // NEAR(phrase phrase ... [, N])
  std::string parse_near() {
    ++pos_;  // NEAR
    ++pos_;  // '(' (the lexer saw it right after NEAR)
    std::string phrases;
    while (peek().kind == Kind::kWord || peek().kind == Kind::kPhrase) {
      if (!phrases.empty()) phrases += ' ';  // (not `"" + quoted(...)`: GCC 12's -Wrestrict misfires on it)
      phrases += quoted(peek());
      ++pos_;
    }
    if (peek().kind == Kind::kEnd) {
      problem_ = "'NEAR(' is not closed";
      return "";
    }
    if (phrases.empty()) {
      problem_ = "NEAR( ) needs words or phrases";
      return "";
    }
    std::string distance;
    if (peek().kind == Kind::kComma) {
      ++pos_;
      const Token& n = peek();
      const bool number = n.kind == Kind::kWord && !n.prefix && n.text.size() <= 6 &&
                          n.text.find_first_not_of("0123456789") == std::string::npos;
      if (!number) {
        problem_ = "NEAR(...): the distance after ',' must be a number of words";
        return "";
      }
      distance = ", " + n.text;
      ++pos_;
    }
    if (peek().kind != Kind::kClose) {
      problem_ = peek().kind == Kind::kEnd ? "'NEAR(' is not closed"
                                           : "NEAR( ) takes words and phrases, then ', N', then ')'";
      return "";
    }
    ++pos_;
    return "NEAR(" + phrases + distance + ")";
  }

  const std::string& text_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  std::string problem_;
};

}  // namespace

Result<std::string> fts5_query(const std::string& text) { return Parser(text).run(); }

}  // namespace algohost::catalog
