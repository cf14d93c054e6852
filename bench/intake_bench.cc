// End-to-end intake (issue 4): Telegram webhook updates in, appeals stored
// and acknowledgements queued, per second, and the webhook's answer time.
//
// Runs the REAL `vikno serve` binary (Sumy rules, SQLite in a temporary
// folder, the Telegram plugin in webhook mode with its secret) and points the
// plugin's Bot API at a local sink in this process that answers every call
// "ok" (getMe, setWebhook, sendMessage with a message id). Then `--chats`
// residents, spread over `--clients` HTTP connections, each register once
// (not timed) and file `--appeals` problems each (timed) by POSTing updates
// to /hooks/telegram/update exactly as Telegram would. One appeal is two
// updates, the resident's shortest path: the problem typed at the main menu,
// then the summary's "Надіслати" (before commit 28bca4a it was six: menu,
// words, address, skip photo, skip location, send).
// It prints the host's CPU time (utime + stime of `vikno serve` from
// /proc/<pid>/stat over the timed part) per handled update, and the load
// average, since the machine is shared.
//
// `--unauthorized N` measures the HTTP-only ceiling instead: N updates per
// client with a wrong secret-token header, which the plugin refuses with 403
// before anything is stored or handled.
//
//   build/bench/intake_bench [--chats 200] [--appeals 5] [--clients 8] [--workers 4]
//                            [--unauthorized 0]
//                            [--binary build/vikno] [--plugin build/plugins/telegram/vikno_telegram.so]
//
// Run from the source root (it reads rules/sumy and config/messages).
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <signal.h>
#include <spawn.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kSecret = "bench-secret-0123";

std::atomic<int64_t> g_sent{0};

// The Bot API sink: every method answers ok.
class Sink final : public Poco::Net::HTTPRequestHandler {
 public:
  void handleRequest(Poco::Net::HTTPServerRequest& req,
                     Poco::Net::HTTPServerResponse& res) override {
    std::string body;
    Poco::StreamCopier::copyToString(req.stream(), body);
    std::string answer;
    if (req.getURI().find("/getMe") != std::string::npos) {
      answer = R"({"ok":true,"result":{"id":1,"is_bot":true,"first_name":"Bench","username":"bench_bot"}})";
    } else if (req.getURI().find("/send") != std::string::npos) {
      answer = R"({"ok":true,"result":{"message_id":)" + std::to_string(++g_sent) +
               R"(,"date":1790000000,"chat":{"id":1,"type":"private"}}})";
    } else {
      answer = R"({"ok":true,"result":true})";
    }
    res.setContentType("application/json");
    res.setContentLength(static_cast<std::streamsize>(answer.size()));
    res.send() << answer;
  }
};
class SinkFactory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new Sink;
  }
};

uint16_t FreePort() {
  Poco::Net::ServerSocket s(Poco::Net::SocketAddress("127.0.0.1", 0));
  return s.address().port();
}

std::string Arg(int argc, char** argv, const std::string& name, const std::string& fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == "--" + name) return argv[i + 1];
  return fallback;
}

int64_t Count(const std::string& db, const std::string& sql) {
  sqlite3* h = nullptr;
  if (sqlite3_open_v2(db.c_str(), &h, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) return -1;
  sqlite3_busy_timeout(h, 2000);
  sqlite3_stmt* st = nullptr;
  int64_t n = -1;
  if (sqlite3_prepare_v2(h, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(h);
  return n;
}

// One client connection posting updates.
class Poster {
 public:
  explicit Poster(uint16_t port) : session_("127.0.0.1", port) {
    session_.setKeepAlive(true);
    session_.setTimeout(Poco::Timespan(30, 0));
  }
  // Returns the answer time in microseconds; exits on an answer other than
  // `expect`.
  int64_t Post(const std::string& body, int expect = 200,
               const std::string& secret = kSecret) {
    const auto start = Clock::now();
    Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_POST, "/hooks/telegram/update",
                               Poco::Net::HTTPMessage::HTTP_1_1);
    req.setContentType("application/json");
    req.set("X-Telegram-Bot-Api-Secret-Token", secret);
    req.setContentLength(static_cast<std::streamsize>(body.size()));
    req.setKeepAlive(true);
    session_.sendRequest(req) << body;
    Poco::Net::HTTPResponse res;
    std::string answer;
    Poco::StreamCopier::copyToString(session_.receiveResponse(res), answer);
    if (static_cast<int>(res.getStatus()) != expect) {
      std::cerr << "webhook answered " << res.getStatus() << ": " << answer << "\n";
      std::exit(1);
    }
    return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
  }

 private:
  Poco::Net::HTTPClientSession session_;
};

std::atomic<int64_t> g_update{1000};

std::string Text(int64_t chat, const std::string& text) {
  return R"({"update_id":)" + std::to_string(++g_update) +
         R"(,"message":{"message_id":1,"date":1790000000,"from":{"id":)" + std::to_string(chat) +
         R"(,"is_bot":false,"first_name":"B"},"chat":{"id":)" + std::to_string(chat) +
         R"(,"type":"private"},"text":")" + text + R"("}})";
}
std::string Press(int64_t chat, const std::string& data) {
  return R"({"update_id":)" + std::to_string(++g_update) + R"(,"callback_query":{"id":"q)" +
         std::to_string(g_update.load()) + R"(","from":{"id":)" + std::to_string(chat) +
         R"(,"is_bot":false,"first_name":"B"},"message":{"message_id":1,"date":1790000000,)"
         R"("chat":{"id":)" +
         std::to_string(chat) + R"(,"type":"private"},"text":"x"},"data":")" + data + R"("}})";
}

// The process' CPU time (user + system) in seconds, from /proc/<pid>/stat.
double CpuSeconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(stat.substr(close + 2));
  std::string f;
  long long utime = 0, stime = 0;
  for (int i = 3; fields >> f; ++i) {  // field 3 is the state
    if (i == 14) utime = std::stoll(f);
    if (i == 15) {
      stime = std::stoll(f);
      break;
    }
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return a + " " + b + " " + c;
}

}  // namespace

int main(int argc, char** argv) {
  const int chats = std::stoi(Arg(argc, argv, "chats", "200"));
  const int appeals = std::stoi(Arg(argc, argv, "appeals", "5"));
  const int clients = std::stoi(Arg(argc, argv, "clients", "8"));
  // The host's intake.workers: how many chats are handled at once.
  const int workers = std::stoi(Arg(argc, argv, "workers", "4"));
  const int unauthorized = std::stoi(Arg(argc, argv, "unauthorized", "0"));
  const std::string binary = Arg(argc, argv, "binary", "build/vikno");
  const std::string plugin =
      Arg(argc, argv, "plugin", "build/plugins/telegram/vikno_telegram.so");
  const std::string source = std::filesystem::current_path().string();

  Poco::Net::ServerSocket sink_socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(16);
  Poco::Net::HTTPServer sink(new SinkFactory, sink_socket, params);
  sink.start();

  const auto dir = std::filesystem::temp_directory_path() /
                   ("vikno-intake-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const uint16_t port = FreePort();
  {
    std::ofstream c(dir / "vikno.yaml");
    c << "data_dir: " << (dir / "data").string() << "\nrules_dir: " << source
      << "/rules/sumy\nmessages_dir: " << source << "/config/messages\nlog_level: warning\n"
      << "http:\n  listen: \"127.0.0.1:" << port << "\"\n  threads: 16\n"
      << "  public_url: \"http://127.0.0.1:" << port << "\"\n"
      << "intake:\n  workers: " << workers << "\n  queue_capacity: 100000\n"
      << "outbox:\n  workers_per_channel: 2\n  rates:\n    telegram:\n"
      << "      per_second: 100000\n      per_recipient_per_second: 100000\n"
      << "channels:\n  - name: telegram\n    library: " << plugin << "\n    settings:\n"
      << "      token: \"1:bench\"\n      api_base_url: http://127.0.0.1:"
      << sink_socket.address().port() << "\n      mode: webhook\n      webhook_secret: " << kSecret
      << "\n";
  }
  const std::string log = (dir / "host.log").string();
  const std::string cmd = "exec '" + binary + "' serve --config '" + (dir / "vikno.yaml").string() +
                          "' > /dev/null 2> '" + log + "'";
  const char* args[] = {"/bin/sh", "-c", cmd.c_str(), nullptr};
  pid_t pid = 0;
  if (posix_spawn(&pid, "/bin/sh", nullptr, nullptr, const_cast<char**>(args), environ) != 0) {
    std::cerr << "cannot start " << binary << "\n";
    return 1;
  }
  const std::string db = (dir / "data" / "vikno.sqlite").string();
  // Ready when the webhook route answers (a 404 before the channel starts).
  for (int i = 0;; ++i) {
    try {
      Poster probe(port);
      Poco::Net::HTTPClientSession s("127.0.0.1", port);
      Poco::Net::HTTPRequest r(Poco::Net::HTTPRequest::HTTP_GET, "/healthz");
      s.sendRequest(r);
      Poco::Net::HTTPResponse res;
      s.receiveResponse(res);
      if (res.getStatus() == 200) break;
    } catch (const Poco::Exception&) {
    }
    if (i > 300) {
      std::cerr << "the host did not start; see " << log << "\n";
      kill(pid, SIGKILL);
      return 1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));

  auto run = [&](auto&& per_chat) {
    std::vector<std::thread> threads;
    std::vector<std::vector<int64_t>> times(clients);
    for (int t = 0; t < clients; ++t)
      threads.emplace_back([&, t] {
        Poster p(port);
        for (int chat = t; chat < chats; chat += clients) per_chat(p, 5000 + chat, times[t]);
      });
    for (auto& th : threads) th.join();
    std::vector<int64_t> all;
    for (auto& v : times) all.insert(all.end(), v.begin(), v.end());
    return all;
  };
  auto wait_for = [&](const std::string& sql, int64_t n) {
    while (Count(db, sql) < n) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  };

  if (unauthorized > 0) {
    // The HTTP-only ceiling: Poco parses the request, the plugin compares
    // the secret-token header and answers 403; nothing is stored.
    std::printf("load average before: %s\n", LoadAverage().c_str());
    const double cpu0 = CpuSeconds(pid);
    const auto t0 = Clock::now();
    std::vector<std::thread> threads;
    std::vector<std::vector<int64_t>> times(clients);
    for (int t = 0; t < clients; ++t)
      threads.emplace_back([&, t] {
        Poster p(port);
        for (int i = 0; i < unauthorized; ++i)
          times[t].push_back(p.Post(Text(5000 + t, "Не вивозять сміття третій день"), 403,
                                    "wrong-secret-0000"));
      });
    for (auto& th : threads) th.join();
    const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
    const double cpu = CpuSeconds(pid) - cpu0;
    std::vector<int64_t> all;
    for (auto& v : times) all.insert(all.end(), v.begin(), v.end());
    std::sort(all.begin(), all.end());
    auto pct = [&](double q) {
      return all[std::min(all.size() - 1, static_cast<size_t>(q * all.size()))] / 1000.0;
    };
    std::printf("403 answers: %zu in %.2f s = %.0f/s; p50 %.2f ms, p99 %.2f ms; host CPU %.2f s "
                "(%.0f us per request)\n",
                all.size(), secs, all.size() / secs, pct(0.5), pct(0.99), cpu,
                cpu * 1e6 / static_cast<double>(all.size()));
    std::printf("load average after: %s\n", LoadAverage().c_str());
    std::printf("appeals stored: %lld (must be 0)\n",
                static_cast<long long>(Count(db, "SELECT COUNT(*) FROM appeals")));
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    sink.stopAll(true);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    return 0;
  }

  // Registration, not timed: consent and an address per chat.
  run([&](Poster& p, int64_t chat, std::vector<int64_t>& t) {
    t.push_back(p.Post(Text(chat, "Привіт")));
    t.push_back(p.Post(Press(chat, "agree")));
    t.push_back(p.Post(Text(chat, "вул. Соборна, 12")));
    t.push_back(p.Post(Press(chat, "yes")));
  });
  wait_for("SELECT COUNT(*) FROM inbound_messages WHERE state <> 'pending'", int64_t{chats} * 4);

  const int64_t outbox_before = Count(db, "SELECT COUNT(*) FROM outbox");
  std::printf("load average before: %s\n", LoadAverage().c_str());
  const double cpu_before = CpuSeconds(pid);
  const auto start = Clock::now();
  auto times = run([&](Poster& p, int64_t chat, std::vector<int64_t>& t) {
    for (int a = 0; a < appeals; ++a) {
      // The resident's shortest path: the words at the menu (the summary
      // comes back with the registered address), then "Надіслати".
      t.push_back(p.Post(Text(chat, "Не вивозять сміття третій день, контейнери переповнені")));
      t.push_back(p.Post(Press(chat, "send")));
    }
  });
  const auto posted = Clock::now();
  const int64_t want = int64_t{chats} * appeals;
  wait_for("SELECT COUNT(*) FROM appeals", want);
  wait_for("SELECT COUNT(*) FROM inbound_messages WHERE state <> 'pending'",
           int64_t{chats} * (4 + 2 * appeals));
  const auto stored = Clock::now();
  const double cpu_stored = CpuSeconds(pid) - cpu_before;
  // Then until the outbox has sent what the run queued (the bot's replies).
  const int64_t queued = Count(db, "SELECT COUNT(*) FROM outbox") - outbox_before;
  for (int i = 0; i < 3000 && Count(db, "SELECT COUNT(*) FROM outbox WHERE state IN "
                                        "('queued','sending')") > 0;
       ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const auto drained = Clock::now();
  const double cpu_drained = CpuSeconds(pid) - cpu_before;
  const int64_t acks = Count(db, "SELECT COUNT(*) FROM outbox WHERE text_key = 'appeal.registered'");

  std::sort(times.begin(), times.end());
  auto pct = [&](double q) {
    return times[std::min(times.size() - 1, static_cast<size_t>(q * times.size()))] / 1000.0;
  };
  const double post_s = std::chrono::duration<double>(posted - start).count();
  const double total_s = std::chrono::duration<double>(stored - start).count();
  std::printf("chats %d, appeals %lld, updates %zu, clients %d\n", chats,
              static_cast<long long>(want), times.size(), clients);
  std::printf("webhook answers: %.0f updates/s while posting; p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
              times.size() / post_s, pct(0.5), pct(0.99), times.back() / 1000.0);
  std::printf("end to end: %lld appeals stored in %.2f s = %.0f appeals/s (%.0f updates/s handled)\n",
              static_cast<long long>(want), total_s, want / total_s,
              times.size() / total_s);
  std::printf("outbox rows queued during the run: %lld (acknowledgements with the number: %lld); "
              "sent to the sink so far: %lld\n",
              static_cast<long long>(queued), static_cast<long long>(acks),
              static_cast<long long>(g_sent.load()));
  std::printf("host CPU until stored: %.2f s = %.0f us per update (%.2f cores); until the outbox "
              "drained (%.2f s): %.2f s = %.0f us per update\n",
              cpu_stored, cpu_stored * 1e6 / static_cast<double>(times.size()),
              cpu_stored / total_s, std::chrono::duration<double>(drained - start).count(),
              cpu_drained, cpu_drained * 1e6 / static_cast<double>(times.size()));
  std::printf("load average after: %s\n", LoadAverage().c_str());

  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  sink.stopAll(true);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}
