// Clients that misbehave must not stop the server: a slow client is closed after read_timeout
// while others are served; 1,000 connections at once get 503 beyond max_connections, and the
// server answers normally once they are gone.
#include <sys/resource.h>

#include <vector>

#include "tests/server/server_fixture.h"

namespace algohost::server::testing {
namespace {

TEST(HttpLimits, ASlowClientIsClosedWhileOthersAreServed) {
  HttpServer::Options o;
  o.read_timeout = std::chrono::milliseconds(300);
  TestServer s(o);
  RawConnection slow(s.port());
  ASSERT_TRUE(slow.send("GET /api/v1/echo/slow HTTP/1.1\r\nHost: x\r\n"));  // half a header, then nothing
  RawConnection silent(s.port());                                           // connects and sends nothing
  // The one io thread is not held by them: other clients are answered meanwhile.
  for (int i = 0; i < 5; ++i) EXPECT_EQ(request(s.port(), "GET", "/api/v1/echo/ok").status, 200);
  bool closed = false;
  const std::string answer = slow.read_until_close(std::chrono::seconds(10), &closed);
  EXPECT_TRUE(closed) << "the slow client was not closed";
  EXPECT_EQ(raw_status(answer), 408) << answer;
  if (raw_status(answer) == 408) {
    EXPECT_EQ(raw_json_body(answer)["error"]["code"], "timeout");
  }
  const std::string nothing = silent.read_until_close(std::chrono::seconds(10), &closed);
  EXPECT_TRUE(closed) << "the silent client was not closed";
  EXPECT_EQ(nothing, "");  // it asked nothing: closed without an answer
  slow.close();
  silent.close();
  EXPECT_TRUE(wait_for([&] { return s.server.connections() == 0; }));
  EXPECT_EQ(request(s.port(), "GET", "/api/v1/echo/after").status, 200);
}

TEST(HttpLimits, AKeepAliveConnectionIdleForLongerThanTheTimeoutIsClosed) {
  HttpServer::Options o;
  o.read_timeout = std::chrono::milliseconds(300);
  TestServer s(o);
  RawConnection c(s.port());
  ASSERT_TRUE(c.send("GET /api/v1/echo/a HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string pending;
  ASSERT_NE(c.read_until("\"name\":\"a\"", std::chrono::seconds(10), &pending), "");
  bool closed = false;
  c.read_until_close(std::chrono::seconds(10), &closed);
  EXPECT_TRUE(closed);
}

// Raises the soft limit on open files to what the test needs (within the hard limit).
bool ensure_open_files(rlim_t needed) {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return false;
  if (lim.rlim_cur >= needed) return true;
  if (lim.rlim_max != RLIM_INFINITY && lim.rlim_max < needed) return false;
  lim.rlim_cur = needed;
  return ::setrlimit(RLIMIT_NOFILE, &lim) == 0;
}

TEST(HttpLimits, AThousandConnectionsAtOnce) {
  // Both ends live in this process: 1,000 client sockets and up to 1,000 server ones.
  ASSERT_TRUE(ensure_open_files(4096)) << "cannot raise RLIMIT_NOFILE to 4096";
  HttpServer::Options o;
  o.max_connections = 100;
  o.read_timeout = std::chrono::seconds(30);  // the accepted ones stay until the clients go
  TestServer s(o);
  constexpr size_t kClients = 1000;
  std::vector<std::unique_ptr<RawConnection>> clients;
  for (size_t i = 0; i < kClients; ++i) clients.push_back(std::make_unique<RawConnection>(s.port()));
  ASSERT_TRUE(wait_for([&] { return s.server.connections() == o.max_connections; }, std::chrono::seconds(30)))
      << s.server.connections();
  // Every connection beyond the limit is told 503 (JSON) and closed; the others are held open.
  std::vector<std::string> received(kClients);
  std::vector<bool> ended(kClients, false);
  size_t refused = 0, unexpected = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (refused + unexpected < kClients - o.max_connections && std::chrono::steady_clock::now() < deadline) {
    std::vector<pollfd> fds;
    std::vector<size_t> which;
    for (size_t i = 0; i < kClients; ++i)
      if (!ended[i]) {
        fds.push_back({clients[i]->fd(), POLLIN, 0});
        which.push_back(i);
      }
    if (::poll(fds.data(), fds.size(), 100) <= 0) continue;
    for (size_t k = 0; k < fds.size(); ++k) {
      if (!fds[k].revents) continue;
      const size_t i = which[k];
      char buf[4096];
      const ssize_t n = ::recv(fds[k].fd, buf, sizeof buf, 0);
      if (n > 0) {
        received[i].append(buf, static_cast<size_t>(n));
        continue;
      }
      ended[i] = true;
      if (raw_status(received[i]) == 503 && raw_json_body(received[i])["error"]["code"] == "unavailable")
        ++refused;
      else
        ++unexpected;
    }
  }
  EXPECT_EQ(refused, kClients - o.max_connections);
  EXPECT_EQ(unexpected, 0u);
  EXPECT_EQ(s.server.connections(), o.max_connections);
  // While full, one more is refused too, not queued.
  {
    bool closed = false;
    RawConnection extra(s.port());
    EXPECT_EQ(raw_status(extra.read_until_close(std::chrono::seconds(10), &closed)), 503);
  }
  clients.clear();
  EXPECT_TRUE(wait_for([&] { return s.server.connections() == 0; }, std::chrono::seconds(30))) << s.server.connections();
  auto r = request(s.port(), "GET", "/api/v1/echo/after");
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST(HttpLimits, AThousandHeldConnectionsDoNotStopAnswers) {
  ASSERT_TRUE(ensure_open_files(4096)) << "cannot raise RLIMIT_NOFILE to 4096";
  HttpServer::Options o;
  o.max_connections = 2000;
  o.read_timeout = std::chrono::seconds(30);
  TestServer s(o);
  std::vector<std::unique_ptr<RawConnection>> clients;
  for (int i = 0; i < 1000; ++i) clients.push_back(std::make_unique<RawConnection>(s.port()));
  ASSERT_TRUE(wait_for([&] { return s.server.connections() == 1000; }, std::chrono::seconds(30))) << s.server.connections();
  auto r = request(s.port(), "GET", "/api/v1/echo/during");
  EXPECT_EQ(r.status, 200) << r.body;
  clients.clear();
  EXPECT_TRUE(wait_for([&] { return s.server.connections() == 0; }, std::chrono::seconds(30))) << s.server.connections();
}

}  // namespace
}  // namespace algohost::server::testing
