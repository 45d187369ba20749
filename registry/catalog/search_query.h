// What a user types into `strategies search`, turned into a safe SQLite FTS5 query.
//
// The operators of FTS5 work: AND, OR, NOT (upper case, as in FTS5; NOT is binary: "a NOT b"),
// NEAR(a b, N), "quoted phrases", prefix* and parentheses; words side by side must all match.
// Everything else the user types is a word separator (punctuation, quotes of SQL, column filters
// such as "name:", ^ and +), never query syntax. Every word is written out as a quoted FTS5
// string, and the expression is rebuilt from its parse with explicit parentheses, so the text
// FTS5 receives is always valid and means what the user's query means. A plain list of words
// (no operator, phrase or *) also matches its last word as a prefix ("oscill" finds "oscillator").
//
// A query that is not well formed (an operator without a term on each side, an unclosed quote or
// parenthesis, an empty phrase) is InvalidArgument: "search 'TEXT': <what is wrong>; <the syntax>".
#pragma once

#include <string>

#include "registry/common/status.h"

namespace algohost::catalog {

// The FTS5 MATCH text for `text`; "" when it holds no word at all (nothing to look for).
Result<std::string> fts5_query(const std::string& text);

}  // namespace algohost::catalog
