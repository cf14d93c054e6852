// The e-mail channel (R1; 002 §8.2.3 for executors' notices): SMTP out
// (STARTTLS, AUTH PLAIN/LOGIN, Poco) with a Message-ID derived from the
// outbox id; POP3 in (Poco), polled every poll_s, each message parsed by our
// own MIME reader (mime.h) and deleted only after the host took it.
//
// Settings (vikno.yaml, channels[i].settings; unknown keys are refused):
//   from               the bot's address (required), also the SMTP envelope sender
//   from_name          display name ("Сумська міська рада"), may be empty
//   reply_to           Reply-To address, may be empty
//   subject_default    subject for a text without a first line ("Повідомлення")
//   html               add a text/html alternative (default false)
//   smtp_host          required
//   smtp_port          default 587
//   smtp_user          AUTH user; empty: no AUTH
//   smtp_password      write it as ${SMTP_PASSWORD}: from the environment
//   smtp_auth          plain | login (default plain)
//   smtp_starttls      required (default) | optional | off
//   smtp_tls_verify    check the server's certificate (default true)
//   smtp_ca_file       CA bundle or certificate to trust ("" = the system's)
//   smtp_helo          EHLO name (default: the from address's domain)
//   smtp_timeout_s     one SMTP exchange, 1..30 (default 20)
//   smtp_connections   idle connections kept for reuse, 0..16 (default 2)
//   retry_s            back-off after a temporary failure, 1..3600 (default 60)
//   inbound            pop3 (default) | none
//   pop3_host / pop3_port (110) / pop3_user / pop3_password (${POP3_PASSWORD})
//   pop3_tls           implicit TLS (POP3S, port 995) (default false)
//   poll_s             seconds between polls, 1..3600 (default 30)
//   max_message_bytes  larger messages stay on the server, logged (default 26214400)
//   rate_overall       messages per rate_period_s to everyone (default 10)
//   rate_period_s      1..86400 (default 1)
//   rate_per_recipient messages per minute to one address, 0 = none (default 20)
#pragma once

#include <Poco/Net/Context.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "composer.h"
#include "vikno/sdk/channel.h"
#include "vikno/sdk/settings.h"

namespace vikno::email {

struct EmailOptions {
  std::string from;
  std::string from_name;
  std::string reply_to;
  std::string subject_default = "Повідомлення";
  bool html = false;

  std::string smtp_host;
  int smtp_port = 587;
  std::string smtp_user;
  std::string smtp_password;
  bool smtp_auth_login = false;  // AUTH LOGIN instead of PLAIN
  enum class Tls { kRequired, kOptional, kOff } smtp_starttls = Tls::kRequired;
  bool smtp_tls_verify = true;
  std::string smtp_ca_file;
  std::string smtp_helo;
  int smtp_timeout_s = 20;
  int smtp_connections = 2;
  int retry_s = 60;

  bool inbound_pop3 = true;
  std::string pop3_host;
  int pop3_port = 110;
  std::string pop3_user;
  std::string pop3_password;
  bool pop3_tls = false;
  int poll_s = 30;
  int64_t max_message_bytes = 25 * 1024 * 1024;

  int rate_overall = 10;
  int rate_period_s = 1;
  int rate_per_recipient = 20;

  static EmailOptions Read(const sdk::Settings& settings, std::vector<std::string>* problems);
};

// What one poll did, for the log and the tests.
struct PollReport {
  int seen = 0;       // messages on the server
  int delivered = 0;  // taken by the host (or known to it) and deleted
  int refused = 0;    // the host refused: left on the server for the next poll
  int skipped = 0;    // too large, unreadable, or automatic replies (logged)
  std::string error;  // the poll failed: connection, login, protocol
};

class EmailChannel final : public sdk::Channel {
 public:
  // Throws std::invalid_argument listing every settings problem.
  explicit EmailChannel(const sdk::Settings& settings);
  ~EmailChannel() override;

  sdk::Status Start(sdk::Host& host) override;
  void Stop() override;
  sdk::SendResult Send(const sdk::OutboundMessage& message) override;
  sdk::RateLimit Limits() const override;

  // One POP3 pass (the poller calls it every poll_s; public for tests).
  PollReport PollOnce();

 private:
  struct Session;
  std::unique_ptr<Session> Connect();  // throws Poco::Exception
  std::unique_ptr<Session> TakeSession();
  void ReturnSession(std::unique_ptr<Session> session);
  sdk::SendResult Transact(Session& session, const std::string& to, const Composed& mail,
                           bool* connection_broken);
  void PollLoop();
  void Log(sdk::Logger::Level level, const std::string& line);

  const EmailOptions options_;
  sdk::Host* host_ = nullptr;
  Poco::Net::Context::Ptr tls_context_;  // STARTTLS and POP3S; made in Start
  bool ssl_initialized_ = false;

  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Session>> idle_;

  // UIDLs of messages skipped on purpose (too large, no sender), so they
  // are logged once rather than every poll. Bounded.
  std::mutex skipped_mu_;
  std::set<std::string> skipped_;
  std::deque<std::string> skipped_order_;

  std::mutex poll_mu_;  // one poll at a time
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread poller_;
};

}  // namespace vikno::email
