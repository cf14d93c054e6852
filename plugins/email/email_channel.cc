#include "email_channel.h"

#include <Poco/Exception.h>
#include <Poco/Net/DialogSocket.h>
#include <Poco/Net/MailStream.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/POP3ClientSession.h>
#include <Poco/Net/SMTPClientSession.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/SocketStream.h>
#include <Poco/Net/StreamSocket.h>

#include <algorithm>
#include <cctype>
#include <sstream>
#include <stdexcept>

#include "mime.h"

namespace vikno::email {
namespace {

using sdk::Logger;
using sdk::SendResult;

const std::set<std::string>& KnownKeys() {
  static const std::set<std::string> keys = {"from",
                                             "from_name",
                                             "reply_to",
                                             "subject_default",
                                             "html",
                                             "smtp_host",
                                             "smtp_port",
                                             "smtp_user",
                                             "smtp_password",
                                             "smtp_auth",
                                             "smtp_starttls",
                                             "smtp_tls_verify",
                                             "smtp_ca_file",
                                             "smtp_helo",
                                             "smtp_timeout_s",
                                             "smtp_connections",
                                             "retry_s",
                                             "inbound",
                                             "pop3_host",
                                             "pop3_port",
                                             "pop3_user",
                                             "pop3_password",
                                             "pop3_tls",
                                             "poll_s",
                                             "max_message_bytes",
                                             "rate_overall",
                                             "rate_period_s",
                                             "rate_per_recipient"};
  return keys;
}

bool HasControl(const std::string& s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 32 || c == 127; });
}

// An SMTP reply as one line for logs and staff ("550 5.1.1 no such user").
std::string OneLine(int status, const std::string& response) {
  std::string r = response;
  std::replace(r.begin(), r.end(), '\n', ' ');
  std::replace(r.begin(), r.end(), '\r', ' ');
  if (r.rfind(std::to_string(status), 0) != 0) r = std::to_string(status) + " " + r;
  return r.size() > 300 ? r.substr(0, 300) : r;
}

bool IsReplySubject(const std::string& subject) {
  std::string s = subject.substr(0, 16);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* p : {"re:", "re ", "aw:", "fw:", "fwd:", "відп:", "відповідь:", "ответ:"})
    if (s.rfind(p, 0) == 0) return true;
  return false;
}

// Our Message-ID quoted in a bounce (multipart/report): "<vikno.…@…>".
std::string BouncedMessageId(const std::string& raw) {
  size_t pos = raw.find("<vikno.");
  if (pos == std::string::npos) return "";
  size_t end = raw.find('>', pos);
  if (end == std::string::npos || end - pos > 200) return "";
  return raw.substr(pos + 1, end - pos - 1);
}

std::string BounceDetail(const std::string& raw) {
  for (const char* key : {"Diagnostic-Code:", "Status:"}) {
    size_t pos = raw.find(key);
    if (pos == std::string::npos) continue;
    size_t eol = raw.find_first_of("\r\n", pos);
    return raw.substr(pos, std::min<size_t>(eol - pos, 200));
  }
  return "bounced";
}

bool Positive(int status) { return status >= 200 && status < 300; }
bool Intermediate(int status) { return status >= 300 && status < 400; }
bool Permanent(int status) { return status >= 500 && status < 600; }

// Poco's SMTP session with its socket reachable: STARTTLS with our own
// host-name check and the DATA phase need it (both protected in Poco 1.11).
class SmtpSession final : public Poco::Net::SMTPClientSession {
 public:
  using SMTPClientSession::SMTPClientSession;
  using SMTPClientSession::socket;
};

}  // namespace

struct EmailChannel::Session {
  std::unique_ptr<SmtpSession> smtp;
  std::chrono::steady_clock::time_point last_used;
  bool reused = false;
};

EmailOptions EmailOptions::Read(const sdk::Settings& s, std::vector<std::string>* problems) {
  EmailOptions o;
  for (const auto& [key, value] : s.Values())
    if (!KnownKeys().count(key)) problems->push_back(key + ": unknown setting");
  o.from = s.Required("from");
  if (!o.from.empty() && !IsMailAddress(o.from))
    problems->push_back("from: '" + o.from + "' is not an e-mail address");
  o.from_name = s.String("from_name");
  o.reply_to = s.String("reply_to");
  if (!o.reply_to.empty() && !IsMailAddress(o.reply_to))
    problems->push_back("reply_to: '" + o.reply_to + "' is not an e-mail address");
  o.subject_default = s.String("subject_default", o.subject_default);
  if (HasControl(o.from_name) || HasControl(o.subject_default))
    problems->push_back("from_name, subject_default: must be one line");
  o.html = s.Bool("html", o.html);

  o.smtp_host = s.Required("smtp_host");
  o.smtp_port = static_cast<int>(s.Int("smtp_port", o.smtp_port, 1, 65535));
  o.smtp_user = s.String("smtp_user");
  o.smtp_password = s.String("smtp_password");
  if (!o.smtp_user.empty() && o.smtp_password.empty())
    problems->push_back("smtp_password: required when smtp_user is set");
  const std::string auth = s.String("smtp_auth", "plain");
  if (auth == "login") {
    o.smtp_auth_login = true;
  } else if (auth != "plain") {
    problems->push_back("smtp_auth: '" + auth + "' is neither plain nor login");
  }
  const std::string tls = s.String("smtp_starttls", "required");
  if (tls == "required") {
    o.smtp_starttls = Tls::kRequired;
  } else if (tls == "optional") {
    o.smtp_starttls = Tls::kOptional;
  } else if (tls == "off") {
    o.smtp_starttls = Tls::kOff;
  } else {
    problems->push_back("smtp_starttls: '" + tls + "' is not required, optional or off");
  }
  o.smtp_tls_verify = s.Bool("smtp_tls_verify", o.smtp_tls_verify);
  o.smtp_ca_file = s.String("smtp_ca_file");
  o.smtp_helo = s.String("smtp_helo");
  if (o.smtp_helo.empty() && !o.from.empty()) o.smtp_helo = o.from.substr(o.from.rfind('@') + 1);
  if (HasControl(o.smtp_helo) || o.smtp_helo.find(' ') != std::string::npos)
    problems->push_back("smtp_helo: must be a host name");
  o.smtp_timeout_s = static_cast<int>(s.Int("smtp_timeout_s", o.smtp_timeout_s, 1, 30));
  o.smtp_connections = static_cast<int>(s.Int("smtp_connections", o.smtp_connections, 0, 16));
  o.retry_s = static_cast<int>(s.Int("retry_s", o.retry_s, 1, 3600));

  const std::string inbound = s.String("inbound", "pop3");
  if (inbound == "none") {
    o.inbound_pop3 = false;
  } else if (inbound != "pop3") {
    problems->push_back("inbound: '" + inbound + "' is neither pop3 nor none");
  }
  if (o.inbound_pop3) {
    o.pop3_host = s.Required("pop3_host");
    o.pop3_user = s.Required("pop3_user");
    o.pop3_password = s.Required("pop3_password");
  }
  o.pop3_tls = s.Bool("pop3_tls", o.pop3_tls);
  o.pop3_port = static_cast<int>(s.Int("pop3_port", o.pop3_tls ? 995 : 110, 1, 65535));
  o.poll_s = static_cast<int>(s.Int("poll_s", o.poll_s, 1, 3600));
  o.max_message_bytes = s.Int("max_message_bytes", o.max_message_bytes, 1024, 1LL << 31);

  o.rate_overall = static_cast<int>(s.Int("rate_overall", o.rate_overall, 1, 100000));
  o.rate_period_s = static_cast<int>(s.Int("rate_period_s", o.rate_period_s, 1, 86400));
  o.rate_per_recipient =
      static_cast<int>(s.Int("rate_per_recipient", o.rate_per_recipient, 0, 1000));
  return o;
}

EmailChannel::EmailChannel(const sdk::Settings& settings)
    : options_([&] {
        std::vector<std::string> problems;
        EmailOptions o = EmailOptions::Read(settings, &problems);
        if (!problems.empty()) {
          for (const auto& p : settings.Problems()) problems.push_back(p);
          std::string message = "bad settings: ";
          for (size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
          throw std::invalid_argument(message);
        }
        return o;
      }()) {}

EmailChannel::~EmailChannel() {
  if (poller_.joinable()) Stop();
}

void EmailChannel::Log(Logger::Level level, const std::string& line) {
  if (host_ != nullptr) host_->Log().Log(level, line);
}

sdk::Status EmailChannel::Start(sdk::Host& host) {
  host_ = &host;
  try {
    if (options_.smtp_starttls != EmailOptions::Tls::kOff || options_.pop3_tls) {
      Poco::Net::initializeSSL();
      ssl_initialized_ = true;
      using Poco::Net::Context;
      // VERIFY_RELAXED checks the chain and (Poco's extended check) the host
      // name; the system's CAs unless a file is named.
      tls_context_ =
          new Context(Context::TLS_CLIENT_USE, "", "", options_.smtp_ca_file,
                      options_.smtp_tls_verify ? Context::VERIFY_RELAXED : Context::VERIFY_NONE, 9,
                      options_.smtp_ca_file.empty(), "ALL:!ADH:!LOW:!EXP:!MD5:@STRENGTH");
    }
  } catch (const Poco::Exception& e) {
    return sdk::Status::Error("email: TLS set-up failed: " + e.displayText());
  }
  Log(Logger::Level::kInfo,
      "email: sending through " + options_.smtp_host + ":" + std::to_string(options_.smtp_port) +
          (options_.inbound_pop3
               ? ", reading POP3 " + options_.pop3_host + ":" + std::to_string(options_.pop3_port)
               : ", no inbound"));
  if (options_.inbound_pop3) {
    std::lock_guard lock(stop_mu_);
    stopping_ = false;
    poller_ = std::thread([this] { PollLoop(); });
  }
  return sdk::Status::Ok();
}

void EmailChannel::Stop() {
  {
    std::lock_guard lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (poller_.joinable()) poller_.join();
  std::vector<std::unique_ptr<Session>> idle;
  {
    std::lock_guard lock(pool_mu_);
    idle.swap(idle_);
  }
  for (auto& s : idle) {
    try {
      s->smtp->close();  // QUIT
    } catch (const Poco::Exception&) {
    }
  }
  idle.clear();
  tls_context_.reset();
  if (ssl_initialized_) {
    Poco::Net::uninitializeSSL();
    ssl_initialized_ = false;
  }
  host_ = nullptr;
}

sdk::RateLimit EmailChannel::Limits() const {
  sdk::RateLimit limits;
  limits.overall = {options_.rate_overall, std::chrono::seconds(options_.rate_period_s)};
  limits.per_recipient = {options_.rate_per_recipient, std::chrono::seconds(60)};
  return limits;
}

std::unique_ptr<EmailChannel::Session> EmailChannel::Connect() {
  const Poco::Timespan timeout(options_.smtp_timeout_s, 0);
  Poco::Net::StreamSocket socket;
  socket.connect(
      Poco::Net::SocketAddress(options_.smtp_host, static_cast<Poco::UInt16>(options_.smtp_port)),
      timeout);
  auto session = std::make_unique<Session>();
  session->smtp = std::make_unique<SmtpSession>(socket);
  SmtpSession& smtp = *session->smtp;
  smtp.setTimeout(timeout);
  smtp.open();  // the greeting
  std::string response;
  int status = smtp.sendCommand("EHLO", options_.smtp_helo, response);
  if (!Positive(status))
    throw Poco::Net::SMTPException("EHLO refused", OneLine(status, response), status);

  bool tls = false;
  if (options_.smtp_starttls != EmailOptions::Tls::kOff) {
    bool offered = response.find("STARTTLS") != std::string::npos;
    if (offered) {
      status = smtp.sendCommand("STARTTLS", response);
      if (!Positive(status))
        throw Poco::Net::SMTPException("STARTTLS refused", OneLine(status, response), status);
      // As Poco's SecureSMTPClientSession does, but with the host name
      // always set, so the certificate's name is checked.
      Poco::Net::SecureStreamSocket secure =
          Poco::Net::SecureStreamSocket::attach(smtp.socket(), options_.smtp_host, tls_context_);
      smtp.socket() = secure;
      tls = true;
    } else if (options_.smtp_starttls == EmailOptions::Tls::kRequired) {
      throw Poco::Net::SMTPException(
          "the server does not offer STARTTLS and smtp_starttls is required");
    }
  }
  if (!options_.smtp_user.empty()) {
    // login() sends EHLO again (required after STARTTLS, RFC 3207 §4.2) and
    // authenticates.
    smtp.login(options_.smtp_helo,
               options_.smtp_auth_login ? Poco::Net::SMTPClientSession::AUTH_LOGIN
                                        : Poco::Net::SMTPClientSession::AUTH_PLAIN,
               options_.smtp_user, options_.smtp_password);
  } else if (tls) {
    status = smtp.sendCommand("EHLO", options_.smtp_helo, response);
    if (!Positive(status))
      throw Poco::Net::SMTPException("EHLO after STARTTLS refused", OneLine(status, response),
                                     status);
  }
  session->last_used = std::chrono::steady_clock::now();
  return session;
}

std::unique_ptr<EmailChannel::Session> EmailChannel::TakeSession() {
  std::lock_guard lock(pool_mu_);
  const auto now = std::chrono::steady_clock::now();
  while (!idle_.empty()) {
    std::unique_ptr<Session> s = std::move(idle_.back());
    idle_.pop_back();
    // Servers drop idle clients after a minute or so (smtp-server: 60 s,
    // Postfix: 300 s); older connections are not worth a failed MAIL FROM.
    if (now - s->last_used < std::chrono::seconds(30)) {
      s->reused = true;
      return s;
    }
  }
  return nullptr;
}

void EmailChannel::ReturnSession(std::unique_ptr<Session> session) {
  session->last_used = std::chrono::steady_clock::now();
  session->reused = false;
  std::lock_guard lock(pool_mu_);
  if (static_cast<int>(idle_.size()) < options_.smtp_connections) {
    idle_.push_back(std::move(session));
    return;
  }
  try {
    session->smtp->close();
  } catch (const Poco::Exception&) {
  }
}

SendResult EmailChannel::Transact(Session& session, const std::string& to, const Composed& mail,
                                  bool* connection_broken) {
  using Poco::Net::SMTPClientSession;
  SmtpSession& smtp = *session.smtp;
  const auto retry = std::chrono::seconds(options_.retry_s);
  std::string response;
  // A negative answer within the transaction: 421 closes the connection,
  // 4xx is temporary, 5xx permanent for this message.
  auto negative = [&](const std::string& step, int status, bool permanent_fails) -> SendResult {
    std::string why = "SMTP " + step + ": " + OneLine(status, response);
    if (status == 421) {
      *connection_broken = true;
    } else {
      std::string ignored;
      if (!Positive(smtp.sendCommand("RSET", ignored))) *connection_broken = true;
    }
    if (Permanent(status) && permanent_fails) return SendResult::Failed(why);
    return SendResult::Retry(retry, why);
  };

  int status = smtp.sendCommand("MAIL FROM:<" + options_.from + ">", response);
  if (!Positive(status)) {
    if (Permanent(status))
      Log(Logger::Level::kError,
          "email: the SMTP server refuses our sender: " + OneLine(status, response));
    // Our own sender refused is not the message's fault: retry, never drop.
    return negative("MAIL FROM", status, false);
  }
  status = smtp.sendCommand("RCPT TO:<" + to + ">", response);
  if (!Positive(status)) return negative("recipient rejected", status, true);
  status = smtp.sendCommand("DATA", response);
  if (!Intermediate(status)) return negative("DATA", status, true);
  {
    Poco::Net::SocketOutputStream socket_out(smtp.socket());
    Poco::Net::MailOutputStream mail_out(socket_out);  // dot-stuffing, final "."
    mail_out.write(mail.bytes.data(), static_cast<std::streamsize>(mail.bytes.size()));
    mail_out.close();
    socket_out.flush();
  }
  status = smtp.socket().receiveStatusMessage(response);
  if (!Positive(status)) return negative("message refused", status, true);
  return SendResult::Sent(mail.message_id);
}

SendResult EmailChannel::Send(const sdk::OutboundMessage& message) {
  if (!IsMailAddress(message.chat_id))
    return SendResult::Failed("not an e-mail address: '" + message.chat_id.substr(0, 100) + "'");
  if (message.keyboard && message.keyboard->kind != sdk::Keyboard::Kind::kRemove &&
      !message.keyboard->rows.empty())
    Log(Logger::Level::kDebug,
        "email: buttons dropped (e-mail has none; the conversation numbers them in the text)");
  ComposeOptions compose{options_.from, options_.from_name, options_.reply_to,
                         options_.subject_default, options_.html};
  const auto now = host_ != nullptr ? host_->Now() : std::chrono::system_clock::now();
  Composed mail;
  try {
    mail = Compose(compose, message, now);
  } catch (const std::exception& e) {
    return SendResult::Failed(std::string("cannot build the e-mail: ") + e.what());
  }

  // A reused connection may have been closed by the server meanwhile; a
  // failure before DATA is safe to repeat once on a fresh connection.
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::unique_ptr<Session> session;
    bool broken = false;
    try {
      session = TakeSession();
      if (!session) session = Connect();
    } catch (const Poco::Net::SMTPException& e) {
      Log(Logger::Level::kWarning, "email: SMTP connection refused: " + e.displayText());
      return SendResult::Retry(std::chrono::seconds(options_.retry_s),
                               "SMTP server refused the session: " + e.displayText());
    } catch (const Poco::Exception& e) {
      Log(Logger::Level::kWarning, "email: cannot reach the SMTP server: " + e.displayText());
      return SendResult::Retry(std::chrono::seconds(options_.retry_s),
                               "SMTP server unreachable: " + e.displayText());
    } catch (const std::exception& e) {
      return SendResult::Retry(std::chrono::seconds(options_.retry_s),
                               std::string("SMTP connection failed: ") + e.what());
    }
    const bool reused = session->reused;
    try {
      SendResult r = Transact(*session, message.chat_id, mail, &broken);
      if (!broken) ReturnSession(std::move(session));
      if (r.outcome != SendResult::Outcome::kSent)
        Log(Logger::Level::kWarning, "email: message " + message.id + ": " + r.reason);
      return r;
    } catch (const Poco::Exception& e) {
      // The connection is gone mid-transaction. If the server had already
      // taken the message, the retry carries the same Message-ID.
      if (reused && attempt == 0) continue;
      Log(Logger::Level::kWarning, "email: SMTP exchange failed: " + e.displayText());
      return SendResult::Retry(std::chrono::seconds(options_.retry_s),
                               "SMTP exchange failed: " + e.displayText());
    }
  }
  return SendResult::Retry(std::chrono::seconds(options_.retry_s), "SMTP connection lost");
}

void EmailChannel::PollLoop() {
  std::string last_error;
  while (true) {
    PollReport report = PollOnce();
    if (report.error != last_error) {
      if (!report.error.empty()) {
        Log(Logger::Level::kWarning, "email: POP3 poll failed: " + report.error);
      } else if (!last_error.empty()) {
        Log(Logger::Level::kInfo, "email: POP3 poll works again");
      }
      last_error = report.error;
    }
    std::unique_lock lock(stop_mu_);
    if (stop_cv_.wait_for(lock, std::chrono::seconds(options_.poll_s), [&] { return stopping_; }))
      return;
  }
}

PollReport EmailChannel::PollOnce() {
  std::lock_guard poll_lock(poll_mu_);
  PollReport report;
  if (host_ == nullptr || !options_.inbound_pop3) {
    report.error = "the channel is not started or has no inbound";
    return report;
  }
  const Poco::Timespan timeout(options_.smtp_timeout_s, 0);
  try {
    Poco::Net::SocketAddress address(options_.pop3_host,
                                     static_cast<Poco::UInt16>(options_.pop3_port));
    Poco::Net::StreamSocket socket;
    if (options_.pop3_tls) {
      Poco::Net::SecureStreamSocket secure(tls_context_);
      secure.setPeerHostName(options_.pop3_host);
      secure.connect(address, timeout);
      socket = secure;
    } else {
      socket.connect(address, timeout);
    }
    Poco::Net::POP3ClientSession pop(socket);
    pop.setTimeout(timeout);
    pop.login(options_.pop3_user, options_.pop3_password);
    Poco::Net::POP3ClientSession::MessageInfoVec list;
    pop.listMessages(list);
    report.seen = static_cast<int>(list.size());
    for (const auto& info : list) {
      {
        std::lock_guard lock(stop_mu_);
        if (stopping_) break;
      }
      // Poco 1.11 bug 1 (CHANNELS.md §4): a bare UIDL reads only the first
      // line of the listing and desyncs the session; ask per message.
      std::string response;
      if (!pop.sendCommand("UIDL", std::to_string(info.id), response))
        throw Poco::Net::POP3Exception("UIDL refused", response);
      std::string uid = response.substr(response.find_last_of(' ') + 1);
      {
        std::lock_guard lock(skipped_mu_);
        if (skipped_.count(uid)) {
          ++report.skipped;
          continue;
        }
      }
      auto skip = [&](const std::string& why) {
        Log(Logger::Level::kWarning, "email: message " + uid + " left on the server: " + why);
        ++report.skipped;
        std::lock_guard lock(skipped_mu_);
        if (skipped_.insert(uid).second) skipped_order_.push_back(uid);
        while (skipped_order_.size() > 10000) {
          skipped_.erase(skipped_order_.front());
          skipped_order_.pop_front();
        }
      };
      if (info.size > options_.max_message_bytes) {
        skip(std::to_string(info.size) + " bytes, more than max_message_bytes");
        continue;
      }
      std::ostringstream raw;
      pop.retrieveMessage(info.id, raw);
      const std::string bytes = raw.str();
      ReadMail mail = ReadMessage(bytes);

      if (mail.automatic) {
        // Bounces of our own messages become failed delivery reports; other
        // automatic mail (vacation replies, lists) is not a resident's word.
        if (std::string ours = BouncedMessageId(bytes); !ours.empty()) {
          host_->ReportDelivery(ours, sdk::DeliveryState::kFailed, BounceDetail(bytes));
        }
        Log(Logger::Level::kInfo, "email: automatic message " + uid + " read and removed");
        pop.deleteMessage(info.id);
        ++report.skipped;
        continue;
      }
      const MailAddress& reply = mail.reply_to.address.empty() ? mail.from : mail.reply_to;
      if (reply.address.empty()) {
        skip("no sender address to answer");
        continue;
      }
      sdk::InboundMessage in;
      in.provider_id = mail.message_id.empty() ? "uidl:" + uid : mail.message_id;
      in.chat_id = reply.address;
      in.sender_id = mail.from.address.empty() ? reply.address : mail.from.address;
      in.sender_name = mail.from.name;
      if (mail.date) in.sent_at = *mail.date;
      in.text = StripQuotedReply(mail.text);
      // A new letter's subject is part of what the resident wrote ("Не
      // горить ліхтар"); a reply's subject is ours and only names the appeal.
      bool is_reply = !mail.in_reply_to.empty() || !mail.references.empty() ||
                      IsReplySubject(mail.subject) || AppealNumber(mail.subject);
      if (!is_reply && !mail.subject.empty() && in.text.rfind(mail.subject, 0) != 0)
        in.text = in.text.empty() ? mail.subject : mail.subject + "\n\n" + in.text;
      for (size_t k = 0; k < mail.files.size(); ++k) {
        sdk::Attachment a;
        a.kind = mail.files[k].content_type.rfind("image/", 0) == 0 ? sdk::Attachment::Kind::kPhoto
                                                                    : sdk::Attachment::Kind::kFile;
        a.file_name = mail.files[k].file_name;
        a.content_type = mail.files[k].content_type;
        a.data = std::move(mail.files[k].data);
        a.provider_ref = in.provider_id + "#" + std::to_string(k + 1);
        in.attachments.push_back(std::move(a));
      }
      if (auto number = AppealNumber(mail.subject))
        Log(Logger::Level::kDebug, "email: message " + uid + " concerns appeal № " + *number);
      sdk::Status taken = host_->Deliver(std::move(in));
      if (!taken.ok) {
        // Left on the server: the next poll offers it again (nothing lost).
        Log(Logger::Level::kWarning, "email: host refused message " + uid + ": " + taken.message);
        ++report.refused;
        continue;
      }
      pop.deleteMessage(info.id);  // committed by QUIT below
      ++report.delivered;
    }
    pop.close();  // QUIT: the server removes the deleted messages now
  } catch (const Poco::Exception& e) {
    report.error = e.displayText();
  } catch (const std::exception& e) {
    report.error = e.what();
  }
  return report;
}

}  // namespace vikno::email
