#include "smpp_session.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace vikno::sms {
namespace {

using Steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

int MillisUntil(Steady::time_point t) {
  auto ms = std::chrono::duration_cast<milliseconds>(t - Steady::now()).count();
  return static_cast<int>(std::clamp<int64_t>(ms, 0, 1000));
}

bool IsThrottle(uint32_t s) { return s == status::kThrottled || s == status::kMsgQFul; }

}  // namespace

SmppSession::SmppSession(SessionOptions options, Callbacks callbacks)
    : options_(std::move(options)), callbacks_(std::move(callbacks)) {}

SmppSession::~SmppSession() { Stop(); }

void SmppSession::Start() {
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
}

void SmppSession::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void SmppSession::WaitFirstAttempt(std::chrono::milliseconds limit) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, limit, [&] { return first_attempt_done_ || stop_.load(); });
}

std::string SmppSession::last_error() const {
  std::lock_guard lock(mu_);
  return last_error_;
}

void SmppSession::SetError(const std::string& e) {
  std::lock_guard lock(mu_);
  last_error_ = e;
}

Steady::time_point SmppSession::NextSlot() const {
  std::lock_guard lock(mu_);
  return std::max({Steady::now(), next_slot_, throttled_until_});
}

std::chrono::milliseconds SmppSession::ThrottleBackoff() const {
  std::lock_guard lock(mu_);
  return throttle_backoff_;
}

void SmppSession::Log(LogLevel level, const std::string& message) const {
  if (callbacks_.log) callbacks_.log(level, "smpp[" + options_.account + "]: " + message);
}

uint32_t SmppSession::NextSequence() {
  // 0x00000001..0x7FFFFFFF (§3.2); wraps around.
  uint32_t s = sequence_.fetch_add(1) % 0x7FFFFFFF;
  return s + 1;
}

// ------------------------------------------------------------------ I/O thread

void SmppSession::Run() {
  milliseconds backoff = options_.reconnect_min;
  while (!stop_) {
    int fd = ConnectAndBind();
    {
      std::lock_guard lock(mu_);
      first_attempt_done_ = true;
    }
    cv_.notify_all();
    if (fd >= 0) {
      backoff = options_.reconnect_min;
      ReadLoop(fd);
    }
    if (stop_) break;
    Log(LogLevel::kInfo, "reconnecting in " + std::to_string(backoff.count()) + " ms");
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, backoff, [&] { return stop_.load(); });
    backoff = std::min(backoff * 2, options_.reconnect_max);
  }
  FailPending(SubmitOutcome::Kind::kStopping, "the channel is stopping");
}

int SmppSession::ConnectAndBind() {
  const std::string where = options_.host + ":" + std::to_string(options_.port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc =
          getaddrinfo(options_.host.c_str(), std::to_string(options_.port).c_str(), &hints, &found);
      rc != 0) {
    SetError("cannot resolve SMSC " + where + ": " + gai_strerror(rc));
    Log(LogLevel::kWarning, last_error());
    return -1;
  }
  int fd = socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    freeaddrinfo(found);
    SetError(std::string("socket: ") + std::strerror(errno));
    return -1;
  }
  int rc = connect(fd, found->ai_addr, found->ai_addrlen);
  freeaddrinfo(found);
  if (rc != 0 && errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    rc = poll(&p, 1, static_cast<int>(options_.connect_timeout.count()));
    int err = 0;
    socklen_t len = sizeof err;
    if (rc == 1 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
      rc = 0;
    } else {
      errno = rc == 0 ? ETIMEDOUT : (err ? err : errno);
      rc = -1;
    }
  }
  if (rc != 0) {
    SetError("cannot connect to SMSC " + where + ": " + std::strerror(errno));
    Log(LogLevel::kWarning, last_error());
    close(fd);
    return -1;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  {
    std::lock_guard lock(write_mu_);
    fd_ = fd;
  }
  rx_.clear();

  Pdu bind;
  bind.command_id = cmd::kBindTransceiver;
  bind.sequence = NextSequence();
  BindTransceiver b;
  b.system_id = options_.system_id;
  b.password = options_.password;
  b.system_type = options_.system_type;
  b.interface_version = 0x34;
  bind.body = b;
  auto fail = [&](const std::string& why) {
    SetError(why);
    Log(LogLevel::kWarning, why);
    std::lock_guard lock(write_mu_);
    close(fd_);
    fd_ = -1;
    return -1;
  };
  if (!Write(bind)) return fail("cannot send bind_transceiver to " + where);
  const auto deadline = Steady::now() + options_.response_timeout;
  while (Steady::now() < deadline && !stop_) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, MillisUntil(deadline)) <= 0) continue;
    char buf[4096];
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n == 0) return fail("SMSC " + where + " closed the connection during bind");
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      return fail("SMSC " + where + " bind failed: " + std::strerror(errno));
    }
    rx_.append(buf, static_cast<size_t>(n));
    DecodeResult d = Decode(rx_);
    if (d.kind == DecodeResult::Kind::kNeedMore) continue;
    if (d.kind == DecodeResult::Kind::kBadFrame)
      return fail("SMSC " + where + " sent a garbled PDU during bind: " + d.error);
    rx_.erase(0, d.consumed);
    if (d.kind == DecodeResult::Kind::kPdu && d.pdu.command_id == cmd::kBindTransceiverResp) {
      if (d.pdu.command_status != status::kOk) {
        const uint32_t s = d.pdu.command_status;
        credentials_refused_ =
            s == status::kBindFail || s == status::kInvPaswd || s == status::kInvSysId;
        return fail("SMSC " + where + " refused bind_transceiver as '" + options_.system_id +
                    "': " + StatusName(s));
      }
      credentials_refused_ = false;
      bound_ = true;
      ++binds_;
      {
        std::lock_guard lock(mu_);
        last_error_.clear();
      }
      std::string smsc;
      if (auto* r = std::get_if<BindResp>(&d.pdu.body)) smsc = r->system_id;
      Log(LogLevel::kInfo, "bound to " + where + " (SMSC '" + smsc + "')");
      return fd;
    }
    if (d.kind == DecodeResult::Kind::kPdu) {
      // Anything else before the bind answer is out of order (§2.3): answered, not acted on.
      if (!d.pdu.IsResponse()) {
        Pdu nack;
        nack.command_id = cmd::kGenericNack;
        nack.command_status = status::kInvBindStatus;
        nack.sequence = d.pdu.sequence;
        Write(nack);
      }
    }
  }
  return fail(stop_ ? "stopped during bind" : "SMSC " + where + " did not answer bind_transceiver");
}

void SmppSession::ReadLoop(int fd) {
  auto last_enquire = Steady::now();
  bool unbinding = false;
  auto unbind_deadline = Steady::time_point::max();
  std::string why = "link closed";
  bool unbound_ok = false;
  for (;;) {
    if (stop_ && !unbinding) {
      bound_ = false;
      FailPending(SubmitOutcome::Kind::kStopping, "the channel is stopping");
      Pdu unbind;
      unbind.command_id = cmd::kUnbind;
      unbind.sequence = NextSequence();
      unbinding = true;
      unbind_deadline = Steady::now() + std::min(options_.response_timeout, milliseconds(2000));
      if (!Write(unbind)) break;
    }
    if (unbinding && (unbound_ok || Steady::now() >= unbind_deadline)) {
      why = unbound_ok ? "unbound" : "unbind not answered; closed";
      break;
    }
    pollfd p{fd, POLLIN, 0};
    int rc = poll(&p, 1, 100);
    if (rc > 0) {
      char buf[16384];
      ssize_t n = recv(fd, buf, sizeof buf, 0);
      if (n == 0) {
        why = "the SMSC closed the connection";
        break;
      }
      if (n < 0 && errno != EAGAIN && errno != EINTR) {
        why = std::string("read failed: ") + std::strerror(errno);
        break;
      }
      if (n > 0) rx_.append(buf, static_cast<size_t>(n));
    }
    bool keep = true;
    while (keep) {
      DecodeResult d = Decode(rx_);
      if (d.kind == DecodeResult::Kind::kNeedMore) break;
      if (d.kind == DecodeResult::Kind::kBadFrame) {
        // The stream cannot be resynchronised after a bad length: drop it.
        why = "garbled PDU from the SMSC: " + d.error;
        Pdu nack;
        nack.command_id = cmd::kGenericNack;
        nack.command_status = status::kInvCmdLen;
        Write(nack);
        keep = false;
        break;
      }
      rx_.erase(0, d.consumed);
      if (d.kind == DecodeResult::Kind::kBadPdu) {
        Log(LogLevel::kWarning,
            "answered generic_nack " + StatusName(d.nack_status) + ": " + d.error);
        if (d.pdu.IsResponse()) {
          // A garbled answer still ends its request, as a failure.
          Pdu failed = d.pdu;
          failed.command_status = failed.command_status ? failed.command_status : status::kSysErr;
          failed.body = std::monostate{};
          ResponseArrived(d.pdu.sequence, failed);
          continue;
        }
        Pdu nack;
        nack.command_id = cmd::kGenericNack;
        nack.command_status = d.nack_status;
        nack.sequence = d.pdu.sequence;
        Write(nack);
        continue;
      }
      if (d.pdu.command_id == cmd::kUnbindResp && unbinding) {
        unbound_ok = true;
        continue;
      }
      if (d.pdu.command_id == cmd::kUnbind) {
        Pdu resp;
        resp.command_id = cmd::kUnbindResp;
        resp.sequence = d.pdu.sequence;
        Write(resp);
        why = "the SMSC unbound the session";
        keep = false;
        break;
      }
      Handle(fd, d.pdu);
    }
    if (!keep) break;

    const auto now = Steady::now();
    if (bound_ && now - last_enquire >= options_.enquire_link) {
      last_enquire = now;
      auto p = std::make_shared<Pending>();
      p->is_enquire = true;
      p->deadline = now + options_.response_timeout;
      Pdu e;
      e.command_id = cmd::kEnquireLink;
      e.sequence = NextSequence();
      {
        std::lock_guard lock(mu_);
        pending_[e.sequence] = p;
      }
      Write(e);
    }
    bool dead = false;
    {
      std::lock_guard lock(mu_);
      for (const auto& [seq, p] : pending_)
        if (p->is_enquire && now > p->deadline) dead = true;
    }
    if (dead) {
      why = "enquire_link not answered in " + std::to_string(options_.response_timeout.count()) +
            " ms";
      break;
    }
  }
  DropLink(why);
}

void SmppSession::Handle(int, const Pdu& pdu) {
  switch (pdu.command_id) {
    case cmd::kEnquireLink: {
      Pdu resp;
      resp.command_id = cmd::kEnquireLinkResp;
      resp.sequence = pdu.sequence;
      Write(resp);
      return;
    }
    case cmd::kDeliverSm: {
      DeliverAnswer answer;
      if (callbacks_.on_deliver) {
        try {
          answer = callbacks_.on_deliver(std::get<ShortMessage>(pdu.body));
        } catch (const std::exception& e) {
          Log(LogLevel::kError, std::string("deliver_sm handling failed: ") + e.what());
          answer.status = status::kTempAppError;
        }
      }
      Pdu resp;
      resp.command_id = cmd::kDeliverSmResp;
      resp.command_status = answer.status;
      resp.sequence = pdu.sequence;
      resp.body = MessageIdResp{};
      uint64_t ticket = 0;
      if (Write(resp, &ticket) && answer.confirmed) {
        // The SMSC has surely read this answer once it answers a request written
        // after it; ask at once instead of waiting for the next keep-alive.
        auto p = std::make_shared<Pending>();
        p->is_enquire = true;
        p->deadline = Steady::now() + options_.response_timeout;
        Pdu e;
        e.command_id = cmd::kEnquireLink;
        e.sequence = NextSequence();
        {
          std::lock_guard lock(mu_);
          unconfirmed_.emplace_back(ticket, std::move(answer.confirmed));
          pending_[e.sequence] = p;
        }
        uint64_t enquire_ticket = 0;
        Write(e, &enquire_ticket);
        std::lock_guard lock(mu_);
        p->write_ticket = enquire_ticket;
      }
      return;
    }
    default:
      break;
  }
  if (pdu.IsResponse()) {
    ResponseArrived(pdu.sequence, pdu);
    return;
  }
  // A request an ESME does not serve (submit_sm, bind_* from the SMSC).
  Pdu nack;
  nack.command_id = cmd::kGenericNack;
  nack.command_status = status::kInvCmdId;
  nack.sequence = pdu.sequence;
  Write(nack);
}

void SmppSession::ResponseArrived(uint32_t sequence, const Pdu& pdu) {
  std::vector<std::function<void()>> confirmed;
  {
    std::lock_guard lock(mu_);
    auto it = pending_.find(sequence);
    if (it == pending_.end()) {
      if (pdu.command_id == cmd::kGenericNack)
        Log(LogLevel::kWarning, "generic_nack " + StatusName(pdu.command_status) +
                                    " for sequence " + std::to_string(sequence));
      else
        Log(LogLevel::kDebug,
            "late " + CommandName(pdu.command_id) + " for sequence " + std::to_string(sequence));
      return;
    }
    auto p = it->second;
    pending_.erase(it);
    p->done = true;
    p->outcome.kind = SubmitOutcome::Kind::kAnswered;
    p->outcome.status = pdu.command_status;
    if (auto* r = std::get_if<MessageIdResp>(&pdu.body)) p->outcome.message_id = r->message_id;
    if (pdu.command_id == cmd::kGenericNack)
      p->outcome.detail = "generic_nack " + StatusName(pdu.command_status);
    if (p->write_ticket) {
      auto keep = unconfirmed_.begin();
      for (auto& u : unconfirmed_) {
        if (u.first < p->write_ticket)
          confirmed.push_back(std::move(u.second));
        else
          *keep++ = std::move(u);
      }
      unconfirmed_.erase(keep, unconfirmed_.end());
    }
  }
  cv_.notify_all();
  for (auto& f : confirmed) f();
}

bool SmppSession::Write(const Pdu& pdu, uint64_t* ticket) {
  std::string bytes;
  try {
    bytes = Encode(pdu);
  } catch (const std::exception& e) {
    Log(LogLevel::kError,
        std::string("cannot encode ") + CommandName(pdu.command_id) + ": " + e.what());
    return false;
  }
  std::lock_guard lock(write_mu_);
  if (fd_ < 0) return false;
  size_t at = 0;
  const auto deadline = Steady::now() + options_.response_timeout;
  while (at < bytes.size()) {
    ssize_t n = send(fd_, bytes.data() + at, bytes.size() - at, MSG_NOSIGNAL);
    if (n > 0) {
      at += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR) && Steady::now() < deadline) {
      pollfd p{fd_, POLLOUT, 0};
      poll(&p, 1, 100);
      continue;
    }
    // Wakes the reader, which drops the link and reconnects.
    shutdown(fd_, SHUT_RDWR);
    return false;
  }
  ++write_ticket_;
  if (ticket) *ticket = write_ticket_;
  return true;
}

void SmppSession::DropLink(const std::string& why) {
  const bool was_bound = bound_.exchange(false);
  {
    std::lock_guard lock(write_mu_);
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  rx_.clear();
  FailPending(stop_ ? SubmitOutcome::Kind::kStopping : SubmitOutcome::Kind::kLinkLost,
              "SMPP link lost: " + why);
  {
    std::lock_guard lock(mu_);
    unconfirmed_.clear();
    if (!stop_) last_error_ = why;
  }
  Log(stop_ ? LogLevel::kInfo : LogLevel::kWarning,
      std::string(was_bound ? "link down: " : "closed: ") + why);
}

void SmppSession::FailPending(SubmitOutcome::Kind kind, const std::string& why) {
  {
    std::lock_guard lock(mu_);
    for (auto& [seq, p] : pending_) {
      p->done = true;
      p->outcome.kind = kind;
      p->outcome.detail = why;
    }
    pending_.clear();
  }
  cv_.notify_all();
}

// ------------------------------------------------------------------ senders

SmppSession::SubmitOutcome SmppSession::Submit(const ShortMessage& message,
                                               Steady::time_point deadline) {
  SubmitOutcome out;
  if (stop_) {
    out.kind = SubmitOutcome::Kind::kStopping;
    return out;
  }
  if (!bound_) {
    out.kind = SubmitOutcome::Kind::kNotBound;
    out.detail = "not bound: " + last_error();
    return out;
  }
  std::unique_lock lock(mu_);
  // The rate slot: evenly spaced submits, never faster than tps, and none
  // before a throttling back-off has passed.
  const auto slot = std::max({Steady::now(), next_slot_, throttled_until_});
  if (slot > deadline) {
    out.kind = SubmitOutcome::Kind::kTimeout;
    out.detail = "the session's rate leaves no slot before the deadline";
    return out;
  }
  if (options_.tps > 0)
    next_slot_ =
        slot + std::chrono::duration_cast<Steady::duration>(std::chrono::seconds(1)) / options_.tps;
  cv_.wait_until(lock, slot, [&] { return stop_.load(); });
  if (!cv_.wait_until(lock, deadline, [&] {
        return stop_ || !bound_ || static_cast<int>(pending_.size()) < options_.window;
      })) {
    out.kind = SubmitOutcome::Kind::kTimeout;
    out.detail = "the window of outstanding requests stayed full";
    return out;
  }
  if (stop_ || !bound_) {
    out.kind = stop_ ? SubmitOutcome::Kind::kStopping : SubmitOutcome::Kind::kNotBound;
    out.detail = "the link went down";
    return out;
  }
  // The sliding second over actual write times (plus a little slack for
  // the way to the SMSC).
  if (options_.tps > 0) {
    for (;;) {
      if (static_cast<int>(written_.size()) < options_.tps) break;
      const auto free_at = written_.front() + std::chrono::milliseconds(1003);
      if (Steady::now() >= free_at) {
        written_.pop_front();
        continue;
      }
      if (free_at > deadline) {
        out.kind = SubmitOutcome::Kind::kTimeout;
        out.detail = "the session's rate leaves no slot before the deadline";
        return out;
      }
      cv_.wait_until(lock, free_at, [&] { return stop_.load(); });
      if (stop_) {
        out.kind = SubmitOutcome::Kind::kStopping;
        return out;
      }
    }
    written_.push_back(Steady::now());
  }
  Pdu pdu;
  pdu.command_id = cmd::kSubmitSm;
  pdu.sequence = NextSequence();
  pdu.body = message;
  auto p = std::make_shared<Pending>();
  p->deadline = deadline;
  pending_[pdu.sequence] = p;
  lock.unlock();
  uint64_t ticket = 0;
  const bool written = Write(pdu, &ticket);
  lock.lock();
  if (!written) {
    pending_.erase(pdu.sequence);
    out.kind = SubmitOutcome::Kind::kLinkLost;
    out.detail = "could not write submit_sm";
    return out;
  }
  p->write_ticket = ticket;
  if (!cv_.wait_until(lock, deadline, [&] { return p->done; })) {
    pending_.erase(pdu.sequence);
    out.kind = SubmitOutcome::Kind::kTimeout;
    out.detail = "no submit_sm_resp in time";
    return out;
  }
  out = p->outcome;
  if (out.kind == SubmitOutcome::Kind::kAnswered) {
    if (IsThrottle(out.status)) {
      // Several submits in flight are refused together: only the first one
      // after a pause doubles the back-off.
      if (Steady::now() >= throttled_until_) {
        throttle_backoff_ = throttle_backoff_.count() == 0
                                ? options_.throttle_min
                                : std::min(throttle_backoff_ * 2, options_.throttle_max);
        throttled_until_ = Steady::now() + throttle_backoff_;
      }
    } else if (out.status == status::kOk) {
      throttle_backoff_ = milliseconds(0);
    }
  }
  return out;
}

}  // namespace vikno::sms
