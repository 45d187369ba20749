// Server-sent events: a subscriber receives, in order, the events published after it subscribed.
#include "tests/server/server_fixture.h"

namespace algohost::server::testing {
namespace {

TEST(EventStream, ASubscriberReceivesEventsPublishedAfterItSubscribed) {
  TestServer s;
  s.events->publish("before", {{"n", 0}});  // nobody listens yet: lost, as it should be
  RawConnection c(s.port());
  ASSERT_TRUE(c.send("GET /api/v1/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n"));
  std::string pending;
  const std::string head = c.read_until(": subscribed\n\n", std::chrono::seconds(10), &pending);
  ASSERT_NE(head, "");
  EXPECT_EQ(raw_status(head), 200) << head;
  EXPECT_NE(head.find("Content-Type: text/event-stream"), std::string::npos) << head;
  ASSERT_TRUE(wait_for([&] { return s.events->subscribers() == 1; }));
  // Published from other threads, as the engine and the control API do.
  const nlohmann::json swap = {{"instance", "rsi"}, {"from", "1.0.0"}, {"to", "1.1.0"}, {"note", "two\nlines"}};
  std::thread([&] { s.events->publish("swap", swap); }).join();
  std::thread([&] { s.events->publish("trade", {{"pnl", 12.5}}); }).join();
  const std::string first = c.read_until("\n\n", std::chrono::seconds(10), &pending);
  ASSERT_EQ(first.rfind("event: swap\ndata: ", 0), 0u) << first;
  EXPECT_EQ(nlohmann::json::parse(first.substr(first.find("data: ") + 6)), swap);
  const std::string second = c.read_until("\n\n", std::chrono::seconds(10), &pending);
  ASSERT_EQ(second.rfind("event: trade\ndata: ", 0), 0u) << second;
  EXPECT_EQ(nlohmann::json::parse(second.substr(second.find("data: ") + 6))["pnl"], 12.5);
  EXPECT_EQ(s.events->published(), 3u);
  // The subscriber leaving is noticed: it is no longer counted, and the connection is released.
  c.close();
  EXPECT_TRUE(wait_for([&] { return s.events->subscribers() == 0; }));
  EXPECT_TRUE(wait_for([&] { return s.server.connections() == 0; }));
}

TEST(EventStream, EverySubscriberGetsEveryEvent) {
  TestServer s;
  std::vector<std::unique_ptr<RawConnection>> subs;
  std::vector<std::string> pending(3);
  for (int i = 0; i < 3; ++i) {
    subs.push_back(std::make_unique<RawConnection>(s.port()));
    subs.back()->send("GET /api/v1/events HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_NE(subs.back()->read_until(": subscribed\n\n", std::chrono::seconds(10), &pending[i]), "");
  }
  ASSERT_TRUE(wait_for([&] { return s.events->subscribers() == 3; }));
  for (int n = 0; n < 50; ++n) s.events->publish("tick", {{"n", n}});
  for (int i = 0; i < 3; ++i)
    for (int n = 0; n < 50; ++n) {
      const std::string frame = subs[i]->read_until("\n\n", std::chrono::seconds(10), &pending[i]);
      ASSERT_EQ(frame, "event: tick\ndata: {\"n\":" + std::to_string(n) + "}\n\n");
    }
  // The stream answers GET only.
  EXPECT_EQ(request(s.port(), "POST", "/api/v1/events").status, 405);
}

}  // namespace
}  // namespace algohost::server::testing
