// The SMS channel (issue 7): SMPP 3.4 transceiver sessions, one per
// configured account, carrying residents' SMS both ways.
//
// Outbound: the text as UCS-2 (data_coding 8), split into concatenated parts
// of 67 characters when longer than 70 (never splitting a surrogate pair);
// a message whose later part is refused or cut off resumes from that part on
// the outbox's retry (same UDH reference), so the resident never gets a part
// twice. SMSC throttling (0x58, 0x14) becomes SendResult::Retry after the
// session's back-off; nothing is dropped. Receipts (deliver_sm with
// esm_class 0x04) go to Host::ReportDelivery under the id Send returned —
// for a long message, once every part's receipt is in.
//
// Inbound: MO parts are reassembled by (source, reference, total); repeated
// parts are ignored; a group that stays incomplete is handed over with what
// arrived after `reassembly_timeout_s`. The chat id is the sender's number in
// E.164, so the host can recognise a resident who gave that phone through a
// bot (B13). deliver_sm_resp goes back only after Host::Deliver succeeded.
//
// Thread-safety: Send from many threads; each session's I/O thread calls
// back into OnDeliver.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "reassembler.h"
#include "smpp_session.h"
#include "sms_text.h"
#include "vikno/sdk/channel.h"
#include "vikno/sdk/settings.h"

namespace vikno::sms {

struct AccountConfig {
  SessionOptions session;
  std::string source_addr;  // sender shown to residents
  uint8_t source_ton = 5;   // alphanumeric by default
  uint8_t source_npi = 0;
  bool registered_delivery = true;
};

struct ChannelConfig {
  std::vector<AccountConfig> accounts;
  std::string country_code;  // for national sender numbers ("380")
  bool sixteen_bit_ref = false;
  int max_parts = 10;
  ReceiptIdForm receipt_id = ReceiptIdForm::kSame;
  std::chrono::seconds send_timeout{25};
  std::chrono::seconds start_timeout{10};
  std::chrono::seconds reassembly_timeout{300};
  std::chrono::seconds mo_dedup_window{600};
  std::string default_alphabet = "gsm";  // data_coding 0: gsm or latin1
};

// Reads and checks the settings (README.md lists them): every problem goes
// to `problems` (the getters' own ones stay in settings.Problems()).
ChannelConfig ReadConfig(const sdk::Settings& settings, std::vector<std::string>* problems);

class SmsChannel final : public sdk::Channel {
 public:
  explicit SmsChannel(const sdk::Settings& settings);
  ~SmsChannel() override;

  sdk::Status Start(sdk::Host& host) override;
  void Stop() override;
  sdk::SendResult Send(const sdk::OutboundMessage& message) override;
  sdk::RateLimit Limits() const override;

 private:
  // A long message partly sent, by OutboundMessage::id, so a retry resumes.
  // Receipts of one sent message's parts, by each part's SMSC id.
  struct PartGroup {
    std::string first_id;  // what Send returned
    int total = 0;
    int delivered = 0;
    bool reported = false;
    std::chrono::steady_clock::time_point created;
  };
  struct Progress {
    uint16_t ref = 0;
    std::vector<std::string> part_ids;  // SMSC ids of the parts sent so far
    std::shared_ptr<PartGroup> group;
    std::chrono::steady_clock::time_point touched;
  };
  // A receipt whose id no Send has registered (yet): the receipt can overtake
  // the submit_sm_resp's way back to the sending thread, or come after a restart.
  struct Orphan {
    bool delivered = false;
    std::string detail;
    std::chrono::steady_clock::time_point at;
  };
  // Applies one part's receipt to its group; what to report, if anything.
  std::optional<std::pair<std::string, bool>> ApplyReceipt(PartGroup& group, bool delivered);
  void Report(const std::string& id, bool delivered, const std::string& detail);

  SmppSession::DeliverAnswer OnDeliver(const AccountConfig& account, const ShortMessage& sm);
  SmppSession::DeliverAnswer OnReceipt(const ShortMessage& sm, const std::u16string& text);
  SmppSession::DeliverAnswer OnMo(const ShortMessage& sm);
  // Hands a whole MO to the host; false when the host refused it.
  bool HandOver(const std::string& chat_id, const std::string& provider_id,
                const std::u16string& text, std::string* why);
  std::u16string DecodeText(uint8_t data_coding, const std::string& octets) const;
  // The bound session that can submit soonest, preferring `preferred`.
  SmppSession* PickSession(int preferred, int* index);
  void Sweep();
  void Log(sdk::Logger::Level level, const std::string& message);

  ChannelConfig config_;
  sdk::Host* host_ = nullptr;
  std::vector<std::unique_ptr<SmppSession>> sessions_;
  std::atomic<uint32_t> next_ref_;

  std::mutex mu_;  // guards everything below
  std::map<std::string, Progress> progress_;
  std::map<std::string, std::shared_ptr<PartGroup>> parts_;
  std::map<std::string, Orphan> orphans_;
  Reassembler reassembler_;
  // MO whose deliver_sm_resp the SMSC may not have read: (chat, digest) →
  // provider id, so its re-send gets the same id and the host drops it.
  std::map<std::string, std::pair<std::string, std::chrono::steady_clock::time_point>> at_risk_;
  uint64_t mo_counter_ = 0;

  std::thread sweeper_;
  std::mutex sweep_mu_;
  std::condition_variable sweep_cv_;
  bool stopping_ = false;
};

}  // namespace vikno::sms
