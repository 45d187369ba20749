#include "host/mem/combine.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace algohost::mem {
namespace {

double logit(double p) {
  p = std::clamp(p, 1e-6, 1 - 1e-6);
  return std::log(p / (1 - p));
}

// Fixed-point with `prec` (<= 6) decimals, rounded half away from zero; integer arithmetic only
// (std::to_chars of a double costs ~10x more, and this runs once per number per judged entry).
void num(std::string& s, double v, int prec = 2) {
  if (!std::isfinite(v) || std::fabs(v) >= 1e12) {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, prec);
    s.append(buf, r.ptr);
    return;
  }
  static constexpr int64_t kPow[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
  prec = std::clamp(prec, 0, 6);
  const int64_t scaled = std::llround(std::fabs(v) * static_cast<double>(kPow[prec]));
  if (v < 0 && scaled != 0) s += '-';
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, scaled / kPow[prec]);
  s.append(buf, r.ptr);
  if (prec == 0) return;
  s += '.';
  int64_t frac = scaled % kPow[prec];
  char digits[8];
  for (int i = prec - 1; i >= 0; --i) {
    digits[i] = static_cast<char>('0' + frac % 10);
    frac /= 10;
  }
  s.append(digits, static_cast<size_t>(prec));
}
void num(std::string& s, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  s.append(buf, r.ptr);
}

}  // namespace

Decision combine(const Evidence& e, Mode mode, double base_confidence, double base_size, double vol, double v_ref) {
  Decision d;
  double sum = 0, wsum = 0;
  if (e.model_p && e.model_w > 0) {
    sum += e.model_w * logit(*e.model_p);
    wsum += e.model_w;
  }
  if (e.memory_w > 0) {
    sum += e.memory_w * logit((e.memory_wins + 1.0) / (e.memory_found + 2.0));
    wsum += e.memory_w;
  }
  if (!e.pattern_key.empty()) {
    sum += logit((static_cast<double>(e.pattern_wins) + 1.0) / (static_cast<double>(e.pattern_occurrences) + 2.0));
    wsum += 1.0;
  }
  d.weight = wsum;
  d.probability = 1.0 / (1.0 + std::exp(-sum / std::max(1.0, wsum)));
  d.confidence = std::clamp(base_confidence + (d.probability - 0.5), 0.0, 1.0);
  d.boost = d.confidence - base_confidence;
  d.size = base_size;
  if (mode == Mode::kFull) {
    double f = std::clamp(2 * d.probability, 0.0, 1.5);
    if (vol > 0 && v_ref > 0) f *= std::clamp(v_ref / vol, 0.5, 1.5);
    d.size = std::clamp(base_size * f, 0.0, 1.0);
    d.veto = wsum >= kVetoMinWeight && d.probability < kVetoBelow;
  }
  return d;
}

std::string reasoning(const Evidence& e, Mode mode, double base_confidence, double base_size, const Decision& d) {
  std::string s;
  s.reserve(200);
  s += "base conf ";
  num(s, base_confidence);
  if (e.model_p && e.model_w > 0) {
    s += "; model p=";
    num(s, *e.model_p);
    s += " w=";
    num(s, e.model_w);
    s += " (n=";
    num(s, e.model_n);
    s += ")";
  } else {
    s += "; model not used (n=";
    num(s, e.model_n);
    s += " < 10)";
  }
  if (e.memory_w > 0) {
    s += "; memory ";
    num(s, static_cast<int64_t>(e.memory_wins));
    s += "/";
    num(s, static_cast<int64_t>(e.memory_found));
    s += " similar won p=";
    num(s, (e.memory_wins + 1.0) / (e.memory_found + 2.0));
    s += " w=";
    num(s, e.memory_w);
  } else {
    s += "; memory: under 3 similar trades";
  }
  if (!e.pattern_key.empty()) {
    s += "; pattern ";
    s += e.pattern_key;
    s += " ";
    num(s, e.pattern_wins);
    s += "/";
    num(s, e.pattern_occurrences);
    s += " p=";
    num(s, (static_cast<double>(e.pattern_wins) + 1.0) / (static_cast<double>(e.pattern_occurrences) + 2.0));
    s += " w=1.00";
  } else {
    s += "; no pattern";
  }
  s += "; P=";
  num(s, d.probability);
  s += " -> conf ";
  num(s, d.confidence);
  s += " (";
  if (d.boost >= 0) s += "+";
  num(s, d.boost);
  s += ")";
  if (mode == Mode::kFull) {
    s += "; size ";
    num(s, base_size);
    s += " -> ";
    num(s, d.size);
    if (d.veto) {
      s += "; veto: P < ";
      num(s, kVetoBelow);
    }
  }
  return s;
}

}  // namespace algohost::mem
