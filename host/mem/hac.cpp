#include "host/mem/hac.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace algohost::mem {

int newey_west_lag(size_t n) {
  if (n < 2) return 0;
  return static_cast<int>(std::floor(4.0 * std::pow(static_cast<double>(n) / 100.0, 2.0 / 9.0)));
}

namespace {

int lag_for(size_t n, int lag) {
  const int l = lag < 0 ? newey_west_lag(n) : lag;
  return std::clamp(l, 0, static_cast<int>(n) - 1);
}

}  // namespace

HacMean newey_west_mean(const std::vector<double>& x, int lag) {
  HacMean h;
  h.n = x.size();
  if (h.n < 2) return h;
  const double n = static_cast<double>(h.n);
  double sum = 0;
  for (double v : x) sum += v;
  h.mean = sum / n;
  h.lag = lag_for(h.n, lag);
  double lrv = 0;
  for (int l = 0; l <= h.lag; ++l) {
    double g = 0;
    for (size_t t = static_cast<size_t>(l); t < h.n; ++t) g += (x[t] - h.mean) * (x[t - static_cast<size_t>(l)] - h.mean);
    g /= n;
    lrv += l == 0 ? g : 2.0 * (1.0 - l / (h.lag + 1.0)) * g;
  }
  h.se = lrv > 0 ? std::sqrt(lrv / n) : 0.0;
  h.t = h.se > 0 ? h.mean / h.se : 0.0;
  return h;
}

std::optional<SharpeDifference> sharpe_difference(const std::vector<double>& a, const std::vector<double>& b, int ppy,
                                                  double rf, int lag) {
  const size_t n = std::min(a.size(), b.size());
  if (n < 3) return std::nullopt;
  const double nn = static_cast<double>(n), P = ppy;
  // y_t = (a, b, a^2, b^2); means mu = (ma, mb, qa, qb).
  std::vector<std::array<double, 4>> y(n);
  std::array<double, 4> mu{};
  for (size_t t = 0; t < n; ++t) {
    y[t] = {a[t], b[t], a[t] * a[t], b[t] * b[t]};
    for (int i = 0; i < 4; ++i) mu[i] += y[t][i] / nn;
  }
  // Sharpe of one series from its first two moments; the sample variance (n - 1) as metrics uses.
  const double k = nn / (nn - 1.0);
  auto sharpe = [&](double m, double q, double* dm, double* dq) {
    const double var = k * (q - m * m);
    const double num = std::pow(1.0 + m, P) - 1.0 - rf, den = std::sqrt(var * P);
    // d/dm: P (1+m)^(P-1) / den - num / (2 var^(3/2) sqrt(P)) * k * (-2m); d/dq: -num / (2 var^(3/2) sqrt(P)) * k
    const double dvar_coef = -num / (2.0 * var * den);
    *dm = P * std::pow(1.0 + m, P - 1.0) / den + dvar_coef * k * (-2.0 * m);
    *dq = dvar_coef * k;
    return num / den;
  };
  if (k * (mu[2] - mu[0] * mu[0]) <= 0 || k * (mu[3] - mu[1] * mu[1]) <= 0) return std::nullopt;
  SharpeDifference s;
  double dma, dqa, dmb, dqb;
  s.a = sharpe(mu[0], mu[2], &dma, &dqa);
  s.b = sharpe(mu[1], mu[3], &dmb, &dqb);
  s.difference = s.a - s.b;
  const std::array<double, 4> grad{dma, -dmb, dqa, -dqb};
  // HAC (Bartlett) covariance of y, then grad' Psi grad / n.
  s.lag = lag_for(n, lag);
  double var = 0;
  for (int l = 0; l <= s.lag; ++l) {
    const double w = l == 0 ? 1.0 : 2.0 * (1.0 - l / (s.lag + 1.0));  // Gamma_l + Gamma_l' folded in
    double g = 0;
    for (size_t t = static_cast<size_t>(l); t < n; ++t) {
      double u = 0, v = 0;  // grad . (y_t - mu), grad . (y_{t-l} - mu)
      for (int i = 0; i < 4; ++i) {
        u += grad[i] * (y[t][i] - mu[i]);
        v += grad[i] * (y[t - static_cast<size_t>(l)][i] - mu[i]);
      }
      g += u * v;
    }
    var += w * g / nn;
  }
  s.se = var > 0 ? std::sqrt(var / nn) : 0.0;
  return s;
}

}  // namespace algohost::mem
