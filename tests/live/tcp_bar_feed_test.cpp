// TcpBarFeed through plain sockets: one reply per line, good bars reach the aligner, bad lines
// are answered and leave the connection open, a line over the limit closes its connection only,
// many clients at once, binding errors, stop() with clients connected.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <thread>

#include "host/live/feeds.h"

namespace algohost::live {
namespace {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// A blocking TCP client with a deadline on every read.
class Client {
 public:
  explicit Client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~Client() {
    if (fd_ >= 0) ::close(fd_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }
  bool send(const std::string& text) {
    size_t done = 0;
    while (done < text.size()) {
      ssize_t n = ::send(fd_, text.data() + done, text.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }
  void shutdown_send() { ::shutdown(fd_, SHUT_WR); }
  // Reads until `n` lines have come, the peer closed, or 10 s passed.
  std::vector<std::string> lines(size_t n) {
    std::vector<std::string> out;
    const auto deadline = Clock::now() + 10s;
    while (out.size() < n) {
      auto nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        out.push_back(buffer_.substr(0, nl));
        buffer_.erase(0, nl + 1);
        continue;
      }
      if (!fill(deadline)) break;
    }
    return out;
  }
  // True when the peer closes the connection (EOF or reset) before the deadline.
  bool closed_by_peer() {
    const auto deadline = Clock::now() + 10s;
    while (fill(deadline)) buffer_.clear();
    return eof_;
  }

 private:
  bool fill(Clock::time_point deadline) {
    if (eof_) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) return false;
    char buf[4096];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buffer_.append(buf, static_cast<size_t>(n));
    return true;
  }
  int fd_ = -1;
  bool connected_ = false, eof_ = false;
  std::string buffer_;
};

std::string bar_line(const std::string& symbol, int64_t ts_ms, double close = 1.5) {
  return Json{{"symbol", symbol}, {"ts", ts_ms}, {"open", close}, {"high", close + 1},
              {"low", close - 1},  {"close", close}, {"volume", 100}}
             .dump() +
         "\n";
}

struct Collector {
  std::mutex mu;
  std::vector<OwnedSlice> slices;
  SliceSink sink() {
    return [this](OwnedSlice s) {
      std::lock_guard lock(mu);
      slices.push_back(std::move(s));
      return true;
    };
  }
};

constexpr int64_t kT1 = 1'704'153'600'000, kT2 = kT1 + 60'000;

TEST(TcpBarFeed, OneReplyPerLineAndBarsReachTheAligner) {
  Collector out;
  LiveAligner aligner({"AAA", "BBB"}, out.sink());
  TcpBarFeed feed("127.0.0.1", 0, aligner);
  ASSERT_TRUE(feed.start().ok());
  ASSERT_NE(feed.port(), 0);
  Client c(feed.port());
  ASSERT_TRUE(c.connected());
  const std::string lines = bar_line("AAA", kT1, 10) +                      // 1 ok
                            "this is not json\n" +                          // 2
                            bar_line("BBB", kT1, 20) +                      // 3 ok (completes kT1)
                            bar_line("ZZZ", kT2) +                          // 4 unknown symbol
                            R"({"symbol":"AAA","ts":1,"open":1,"high":0.5,"low":1,"close":1,"volume":1})" "\n" +  // 5
                            "\n" +                                          // 6 empty
                            bar_line("AAA", kT2, 11) +                      // 7 ok
                            "[1,2,\r\n" +                                   // 8 truncated JSON, CRLF
                            bar_line("BBB", kT1, 21);                       // 9 older than the open slice
  ASSERT_TRUE(c.send(lines));
  auto replies = c.lines(9);
  ASSERT_EQ(replies.size(), 9u);
  std::vector<Json> r;
  for (const auto& line : replies) r.push_back(Json::parse(line));
  for (int ok : {0, 2, 6}) EXPECT_EQ(r[ok], Json({{"ok", true}})) << ok;
  for (int bad : {1, 3, 4, 5, 7, 8}) {
    EXPECT_EQ(r[bad]["ok"], false) << bad;
    EXPECT_EQ(r[bad]["line"], bad + 1) << replies[bad];
    EXPECT_TRUE(r[bad]["error"].is_string()) << replies[bad];
  }
  EXPECT_EQ(replies[1].rfind(R"({"ok":false,"line":2,"error":"invalid JSON: )", 0), 0u) << replies[1];
  EXPECT_NE(r[3]["error"].get<std::string>().find("'ZZZ' is not a symbol of this host (it has: AAA, BBB)"),
            std::string::npos);
  EXPECT_NE(r[4]["error"].get<std::string>().find("below low"), std::string::npos) << replies[4];
  EXPECT_NE(r[5]["error"].get<std::string>().find("invalid JSON"), std::string::npos) << replies[5];
  EXPECT_NE(r[7]["error"].get<std::string>().find("invalid JSON"), std::string::npos) << replies[7];
  EXPECT_NE(r[8]["error"].get<std::string>().find("older than the open slice"), std::string::npos) << replies[8];

  // The connection is still open after bad lines.
  ASSERT_TRUE(c.send(bar_line("BBB", kT2, 22)));
  auto more = c.lines(1);
  ASSERT_EQ(more.size(), 1u);
  EXPECT_EQ(more[0], R"({"ok":true})");

  EXPECT_EQ(feed.lines(), 10u);
  EXPECT_EQ(feed.errors(), 6u);
  EXPECT_EQ(aligner.bars_accepted(), 4u);
  std::lock_guard lock(out.mu);
  ASSERT_EQ(out.slices.size(), 2u);  // both complete
  EXPECT_EQ(out.slices[0].ts_ms, kT1);
  EXPECT_EQ(out.slices[0].bars[0].close, 10);
  EXPECT_EQ(out.slices[0].bars[1].close, 20);
  EXPECT_EQ(out.slices[1].ts_ms, kT2);
  EXPECT_EQ(out.slices[1].bars[1].close, 22);
}

TEST(TcpBarFeed, ALineOverTheLimitClosesOnlyItsConnection) {
  Collector out;
  LiveAligner aligner({"AAA"}, out.sink());
  TcpBarFeed feed("127.0.0.1", 0, aligner);
  ASSERT_TRUE(feed.start().ok());
  Client other(feed.port());
  ASSERT_TRUE(other.connected());

  Client c(feed.port());
  ASSERT_TRUE(c.connected());
  ASSERT_TRUE(c.send(bar_line("AAA", kT1)));
  ASSERT_TRUE(c.send(std::string(100'000, 'x')));  // no newline: over the limit
  auto replies = c.lines(2);
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[0], R"({"ok":true})");
  Json r = Json::parse(replies[1]);
  EXPECT_EQ(r["ok"], false);
  EXPECT_EQ(r["line"], 2);
  EXPECT_NE(r["error"].get<std::string>().find("longer than 65535 bytes"), std::string::npos) << replies[1];
  (void)c.send(std::string("\n").append(bar_line("AAA", kT2)));  // may fail: the server is closing
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_EQ(aligner.bars_accepted(), 1u);  // nothing after the long line was taken

  // A line just under the limit is only a bad line: answered, connection kept.
  Client d(feed.port());
  ASSERT_TRUE(d.send(std::string(65'000, ' ') + "{}\n" + bar_line("AAA", kT2)));
  auto d_replies = d.lines(2);
  ASSERT_EQ(d_replies.size(), 2u);
  EXPECT_NE(d_replies[0].find("bar.symbol: required field is missing"), std::string::npos) << d_replies[0];
  EXPECT_EQ(d_replies[1], R"({"ok":true})");

  // The other connection was not affected.
  ASSERT_TRUE(other.send(bar_line("AAA", kT2 + 60'000)));
  auto o = other.lines(1);
  ASSERT_EQ(o.size(), 1u);
  EXPECT_EQ(o[0], R"({"ok":true})");
  EXPECT_EQ(aligner.bars_accepted(), 3u);
}

TEST(TcpBarFeed, ALastLineWithoutNewlineIsAnswered) {
  Collector out;
  LiveAligner aligner({"AAA"}, out.sink());
  TcpBarFeed feed("127.0.0.1", 0, aligner);
  ASSERT_TRUE(feed.start().ok());
  Client c(feed.port());
  std::string line = bar_line("AAA", kT1);
  line.pop_back();
  ASSERT_TRUE(c.send(line));
  c.shutdown_send();
  auto replies = c.lines(1);
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0], R"({"ok":true})");
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_EQ(aligner.bars_accepted(), 1u);
}

TEST(TcpBarFeed, InvalidUtf8GetsAValidJsonReply) {
  Collector out;
  LiveAligner aligner({"AAA"}, out.sink());
  TcpBarFeed feed("127.0.0.1", 0, aligner);
  ASSERT_TRUE(feed.start().ok());
  Client c(feed.port());
  ASSERT_TRUE(c.send("{\"symbol\":\"A\xff\xfe\",\"ts\":1}\n\xff\xff\n"));
  auto replies = c.lines(2);
  ASSERT_EQ(replies.size(), 2u);
  for (const auto& r : replies) {
    Json j = Json::parse(r, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << r;
    EXPECT_EQ(j["ok"], false);
  }
}

TEST(TcpBarFeed, ManyClientsAtOnce) {
  constexpr int kClients = 40, kBarsEach = 50;
  std::vector<std::string> symbols;
  for (int i = 0; i < kClients; ++i) symbols.push_back(std::string("S").append(std::to_string(i)));
  Collector out;
  LiveAligner aligner(symbols, out.sink());
  TcpBarFeed feed("127.0.0.1", 0, aligner);
  ASSERT_TRUE(feed.start().ok());
  // Every client connected before any sends: all are open at once.
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<Client>(feed.port()));
    ASSERT_TRUE(clients.back()->connected()) << i;
  }
  std::atomic<int> ok{0}, refused{0}, missing{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i)
    threads.emplace_back([&, i] {
      std::string text;
      for (int k = 1; k <= kBarsEach; ++k) text += bar_line(symbols[i], kT1 + k * 60'000);
      if (!clients[i]->send(text)) return;
      auto replies = clients[i]->lines(kBarsEach);
      missing += kBarsEach - static_cast<int>(replies.size());
      for (const auto& r : replies) (r == R"({"ok":true})" ? ok : refused)++;  // refused: older than the open slice
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(missing.load(), 0);
  EXPECT_EQ(ok + refused, kClients * kBarsEach);
  EXPECT_EQ(feed.lines(), uint64_t{kClients * kBarsEach});
  EXPECT_EQ(feed.errors(), uint64_t(refused.load()));
  EXPECT_EQ(aligner.bars_accepted(), uint64_t(ok.load()));
  aligner.flush();
  uint64_t in_slices = 0;
  std::lock_guard lock(out.mu);
  for (const auto& s : out.slices) in_slices += s.bar_count();
  EXPECT_EQ(in_slices, aligner.bars_accepted());  // every accepted bar reached a slice
}

TEST(TcpBarFeed, BindErrorsNameTheAddress) {
  Collector out;
  LiveAligner aligner({"AAA"}, out.sink());
  TcpBarFeed first("127.0.0.1", 0, aligner);
  ASSERT_TRUE(first.start().ok());
  TcpBarFeed second("127.0.0.1", first.port(), aligner);
  Status s = second.start();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find(std::string("127.0.0.1:").append(std::to_string(first.port()))), std::string::npos) << s.message();

  TcpBarFeed bad("localhost-ish", 0, aligner);
  Status b = bad.start();
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.code(), StatusCode::kIoError);
  EXPECT_NE(b.message().find("localhost-ish"), std::string::npos) << b.message();
}

TEST(TcpBarFeed, StopClosesConnectionsAndTheListener) {
  Collector out;
  LiveAligner aligner({"AAA"}, out.sink());
  TcpBarFeed feed("127.0.0.1", 0, aligner);
  ASSERT_TRUE(feed.start().ok());
  const uint16_t port = feed.port();
  Client idle(port);
  Client half(port);
  ASSERT_TRUE(idle.connected());
  ASSERT_TRUE(half.send("{\"symbol\":"));  // a line in progress
  // Wait until both connections are served (a reply proves the server side is up).
  Client probe(port);
  ASSERT_TRUE(probe.send(bar_line("AAA", kT1)));
  ASSERT_EQ(probe.lines(1).size(), 1u);
  feed.stop();
  EXPECT_TRUE(idle.closed_by_peer());
  EXPECT_TRUE(half.closed_by_peer());
  Client late(port);
  EXPECT_FALSE(late.connected());
  feed.stop();  // twice is fine
}

}  // namespace
}  // namespace algohost::live
