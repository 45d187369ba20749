// host/mem/hac: the Newey-West t of a mean and the HAC delta-method standard error of a Sharpe
// difference, against values computed independently with numpy (matrix form of the HAC
// covariance, numerical gradient) for the fixed series below:
//   n = 60, t = 0..59
//   a = 0.01 sin(0.7 t) + 0.004 cos(1.3 t) + 0.001
//   b = 0.008 sin(0.7 t + 0.5) + 0.003 cos(2.1 t)
// The numpy script (run with /usr/bin/python3) is in the comment at the end of this file.
#include <gtest/gtest.h>

#include <cmath>

#include "host/mem/hac.h"

namespace algohost::mem {
namespace {

struct Series {
  std::vector<double> a, b, d;
};

Series fixed_series() {
  Series s;
  for (int t = 0; t < 60; ++t) {
    s.a.push_back(0.01 * std::sin(0.7 * t) + 0.004 * std::cos(1.3 * t) + 0.001);
    s.b.push_back(0.008 * std::sin(0.7 * t + 0.5) + 0.003 * std::cos(2.1 * t));
    s.d.push_back(s.a.back() - s.b.back());
  }
  return s;
}

TEST(MemHac, NeweyWestTMatchesNumpy) {
  const Series s = fixed_series();
  EXPECT_EQ(newey_west_lag(60), 3);
  const HacMean h = newey_west_mean(s.d);
  EXPECT_EQ(h.lag, 3);
  EXPECT_NEAR(h.mean, 0.00123181206281, 1e-12);
  EXPECT_NEAR(h.se, 0.00068262761595, 1e-12);
  EXPECT_NEAR(h.t, 1.80451542544, 1e-9);
  // Lag 0 is the plain (population-variance) t.
  const HacMean h0 = newey_west_mean(s.d, 0);
  EXPECT_NEAR(h0.se, 0.000633011153156, 1e-12);
  EXPECT_NEAR(h0.t, 1.94595633374, 1e-9);
}

TEST(MemHac, IdenticalArmsHaveNoSignificance) {
  const HacMean h = newey_west_mean(std::vector<double>(100, 0.0));
  EXPECT_EQ(h.t, 0.0);
  EXPECT_EQ(h.se, 0.0);
  EXPECT_EQ(newey_west_mean({1.0}).t, 0.0);
}

TEST(MemHac, SharpeDifferenceAndItsStandardErrorMatchNumpy) {
  const Series s = fixed_series();
  const auto sd = sharpe_difference(s.a, s.b, 252, 0.01);
  ASSERT_TRUE(sd.has_value());
  EXPECT_EQ(sd->lag, 3);
  EXPECT_NEAR(sd->a, 3.7203433673, 1e-8);
  EXPECT_NEAR(sd->b, 0.563804400917, 1e-8);
  EXPECT_NEAR(sd->difference, 3.15653896638, 1e-8);
  EXPECT_NEAR(sd->se, 2.18333461213, 1e-5);  // numpy's gradient is a central difference
  EXPECT_FALSE(sharpe_difference({0.01, 0.01, 0.01}, s.b, 252, 0).has_value());  // zero variance
}

}  // namespace
}  // namespace algohost::mem

/* numpy reference:
import numpy as np
n=60; t=np.arange(n)
a=0.01*np.sin(0.7*t)+0.004*np.cos(1.3*t)+0.001
b=0.008*np.sin(0.7*t+0.5)+0.003*np.cos(2.1*t)
x=a-b
def nw(x,L):
    n=len(x); m=x.mean(); e=x-m; lrv=e@e/n
    for l in range(1,L+1): lrv+=2*(1-l/(L+1))*(e[l:]@e[:-l])/n
    return m, np.sqrt(lrv/n), m/np.sqrt(lrv/n)
L=int(np.floor(4*(n/100)**(2/9)))
P=252; rf=0.01
Y=np.stack([a,b,a*a,b*b],axis=1); mu=Y.mean(0)
def f(v):
    k=n/(n-1)
    def s(m,q): return ((1+m)**P-1-rf)/np.sqrt(k*(q-m*m)*P)
    return s(v[0],v[2])-s(v[1],v[3])
g=np.array([(f(mu+1e-7*np.eye(4)[i])-f(mu-1e-7*np.eye(4)[i]))/2e-7 for i in range(4)])
E=Y-mu; Psi=E.T@E/n
for l in range(1,L+1):
    G=E[l:].T@E[:-l]/n; Psi+=(1-l/(L+1))*(G+G.T)
print(nw(x,L), nw(x,0), f(mu), np.sqrt(g@Psi@g/n))
*/
