#include <algohost/state.hpp>

#include <cmath>

#include <gtest/gtest.h>

namespace algohost::sdk {
namespace {

TEST(State, RoundTripIsExact) {
  const double tricky = 0.1 + 0.2;
  std::vector<double> window = {1.0 / 3.0, -2.5e-300, 1e300, 0.0};
  StateWriter w;
  w.put("avg", tricky).put("window", window).put("empty", std::vector<double>{});
  StateReader r(w.str());
  EXPECT_EQ(r.get("avg"), tricky);  // bit-exact, not approximately
  EXPECT_EQ(r.values("window"), window);
  EXPECT_TRUE(r.values("empty").empty());
}

TEST(State, MissingOrMalformedFieldsThrow) {
  StateReader r("a=1\nb=1,2\n");
  EXPECT_THROW((void)r.get("c"), std::invalid_argument);
  EXPECT_THROW((void)r.get("b"), std::invalid_argument);  // not a scalar
  EXPECT_THROW(StateReader("a=1,x\n"), std::invalid_argument);
  EXPECT_THROW(StateReader("no equals sign\n"), std::invalid_argument);
}

}  // namespace
}  // namespace algohost::sdk
