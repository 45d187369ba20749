// A plain-text table for terminal output: columns padded to their widest cell.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace algohost::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  void print(std::ostream& os) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// Fixed-point text of a number ("-" for NaN).
std::string fixed(double v, int decimals);

}  // namespace algohost::cli
