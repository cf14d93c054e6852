// One SMPP 3.4 transceiver session to an SMSC (one configured account):
// connect, bind_transceiver, a window of outstanding requests keyed by
// sequence number with time-outs, enquire_link every N seconds (a missed
// answer drops the link), deliver_sm answered after the channel handled it,
// generic_nack for unknown or garbled PDUs, unbind on stop, and reconnect
// with exponential back-off whenever the link drops (CHANNELS.md §3).
//
// Its own pace: at most `tps` submit_sm per second, and after an
// ESME_RTHROTTLED (0x58) or ESME_RMSGQFUL (0x14) answer every sender on this
// session waits out a back-off that doubles while the SMSC keeps refusing.
//
// Thread-safety: Submit from any number of threads; one I/O thread of its
// own reads the socket and calls the deliver callback (one at a time).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "smpp_pdu.h"

namespace vikno::sms {

struct SessionOptions {
  std::string account = "default";  // for logs
  std::string host = "127.0.0.1";
  int port = 2775;
  std::string system_id;
  std::string password;
  std::string system_type;
  int tps = 10;     // own limit of submit_sm per second; 0 = none
  int window = 10;  // outstanding requests
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds response_timeout{10000};
  std::chrono::seconds enquire_link{30};
  std::chrono::milliseconds reconnect_min{500};
  std::chrono::milliseconds reconnect_max{60000};
  std::chrono::milliseconds throttle_min{1000};
  std::chrono::milliseconds throttle_max{30000};
};

class SmppSession {
 public:
  using Steady = std::chrono::steady_clock;
  enum class LogLevel { kDebug, kInfo, kWarning, kError };

  // What the channel answers to a deliver_sm: the deliver_sm_resp status and,
  // optionally, what to run once the SMSC has certainly read that answer (a
  // response to a request written after it came back on the same link).
  struct DeliverAnswer {
    uint32_t status = status::kOk;
    std::function<void()> confirmed;
  };
  struct Callbacks {
    std::function<DeliverAnswer(const ShortMessage&)> on_deliver;
    std::function<void(LogLevel, const std::string&)> log;
  };

  struct SubmitOutcome {
    enum class Kind {
      kAnswered,  // submit_sm_resp (or generic_nack) came back: see `status`
      kNotBound,  // no bound link now
      kLinkLost,  // the link dropped before the answer: the SMSC may or may not have it
      kTimeout,   // no answer in time, or the rate/window wait ran past the deadline
      kStopping,
    };
    Kind kind = Kind::kNotBound;
    uint32_t status = 0;
    std::string message_id;
    std::string detail;
  };

  SmppSession(SessionOptions options, Callbacks callbacks);
  ~SmppSession();
  SmppSession(const SmppSession&) = delete;
  SmppSession& operator=(const SmppSession&) = delete;

  void Start();
  // Unbinds (waiting briefly for unbind_resp), closes and joins. Idempotent.
  void Stop();

  // Waits until the first bind attempt ended (bound, refused or unreachable).
  void WaitFirstAttempt(std::chrono::milliseconds limit);
  bool bound() const { return bound_.load(); }
  // The SMSC refused the credentials on the last attempt (0x0D/0x0E/0x0F).
  bool credentials_refused() const { return credentials_refused_.load(); }
  std::string last_error() const;
  const SessionOptions& options() const { return options_; }

  // When a submit could start, given the rate and a throttling back-off.
  Steady::time_point NextSlot() const;
  // The current throttling back-off (for the channel's retry-after).
  std::chrono::milliseconds ThrottleBackoff() const;

  // Sends one submit_sm and waits for its answer until `deadline`.
  SubmitOutcome Submit(const ShortMessage& message, Steady::time_point deadline);

  // Counters, for logs and tests.
  int64_t binds() const { return binds_.load(); }

 private:
  struct Pending {
    bool done = false;
    SubmitOutcome outcome;
    uint64_t write_ticket = 0;
    bool is_enquire = false;
    Steady::time_point deadline;
  };

  void Run();
  // Connects and binds; the socket on success, -1 otherwise.
  int ConnectAndBind();
  void ReadLoop(int fd);
  void Handle(int fd, const Pdu& pdu);
  bool Write(const Pdu& pdu, uint64_t* ticket = nullptr);
  void DropLink(const std::string& why);
  void FailPending(SubmitOutcome::Kind kind, const std::string& why);
  void ResponseArrived(uint32_t sequence, const Pdu& pdu);
  uint32_t NextSequence();
  void Log(LogLevel level, const std::string& message) const;
  void SetError(const std::string& e);

  const SessionOptions options_;
  const Callbacks callbacks_;

  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> bound_{false};
  std::atomic<bool> credentials_refused_{false};
  std::atomic<uint32_t> sequence_{0};
  std::atomic<int64_t> binds_{0};

  // The socket and writes.
  std::mutex write_mu_;
  int fd_ = -1;
  std::string rx_;  // bytes read and not yet decoded; the I/O thread's only
  uint64_t write_ticket_ = 0;

  // Pending requests, state, rate.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<uint32_t, std::shared_ptr<Pending>> pending_;
  std::vector<std::pair<uint64_t, std::function<void()>>> unconfirmed_;
  bool first_attempt_done_ = false;
  std::string last_error_;
  Steady::time_point next_slot_{};
  // When the last `tps` submits were written: none goes out while `tps` were
  // written in the past second, so a late one cannot bunch up with the next
  // ones into more than the SMSC counts per second (it counts arrivals).
  std::deque<Steady::time_point> written_;
  Steady::time_point throttled_until_{};
  std::chrono::milliseconds throttle_backoff_{0};
};

}  // namespace vikno::sms
