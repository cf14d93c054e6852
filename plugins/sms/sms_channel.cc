#include "sms_channel.h"

#include <algorithm>
#include <random>
#include <set>
#include <sstream>
#include <stdexcept>

namespace vikno::sms {
namespace {

using Steady = std::chrono::steady_clock;
using Level = sdk::Logger::Level;

// Settings that may be given per account ("<account>.<key>") or once for all.
const std::set<std::string>& AccountKeys() {
  static const std::set<std::string> keys = {"host",
                                             "port",
                                             "system_id",
                                             "password",
                                             "system_type",
                                             "source_addr",
                                             "source_ton",
                                             "source_npi",
                                             "tps",
                                             "window",
                                             "registered_delivery",
                                             "enquire_link_s",
                                             "response_timeout_s",
                                             "connect_timeout_s",
                                             "reconnect_min_ms",
                                             "reconnect_max_s",
                                             "throttle_backoff_ms",
                                             "throttle_backoff_max_s"};
  return keys;
}
const std::set<std::string>& ChannelKeys() {
  static const std::set<std::string> keys = {
      "accounts",          "country_code",    "udh_reference",   "max_parts",
      "receipt_id_form",   "send_timeout_s",  "start_timeout_s", "reassembly_timeout_s",
      "mo_dedup_window_s", "default_alphabet"};
  return keys;
}

std::vector<std::string> SplitList(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) {
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// Looks an account's key up as "<account>.<key>", then "<key>".
class AccountSettings {
 public:
  AccountSettings(const sdk::Settings& s, std::string account, bool prefixed)
      : s_(s), account_(std::move(account)), prefixed_(prefixed) {}
  std::string Key(const std::string& key) const {
    if (prefixed_ && s_.Has(account_ + "." + key)) return account_ + "." + key;
    if (prefixed_ && !s_.Has(key)) return account_ + "." + key;
    return key;
  }
  std::string Required(const std::string& k) const { return s_.Required(Key(k)); }
  std::string String(const std::string& k, const std::string& d) const {
    return s_.String(Key(k), d);
  }
  int64_t Int(const std::string& k, int64_t d, int64_t lo, int64_t hi) const {
    return s_.Int(Key(k), d, lo, hi);
  }
  bool Bool(const std::string& k, bool d) const { return s_.Bool(Key(k), d); }

 private:
  const sdk::Settings& s_;
  std::string account_;
  bool prefixed_;
};

bool AllDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Statuses that will not change on a retry (§5.1.3): the message is refused.
bool IsPermanent(uint32_t s) {
  switch (s) {
    case status::kInvMsgLen:
    case 0x0A:  // ESME_RINVSRCADR
    case status::kInvDstAdr:
    case 0x33:  // ESME_RINVNUMDESTS
    case 0x48:  // ESME_RINVSRCTON
    case 0x49:  // ESME_RINVSRCNPI
    case 0x50:  // ESME_RINVDSTTON
    case 0x51:  // ESME_RINVDSTNPI
    case 0x66:  // ESME_RX_P_APPN: permanent application error
    case 0x67:  // ESME_RX_R_APPN: rejected by the application
      return true;
    default:
      return false;
  }
}

std::chrono::seconds CeilSeconds(std::chrono::milliseconds ms) {
  return std::max(std::chrono::seconds(1), std::chrono::duration_cast<std::chrono::seconds>(
                                               ms + std::chrono::milliseconds(999)));
}

}  // namespace

ChannelConfig ReadConfig(const sdk::Settings& s, std::vector<std::string>* problems) {
  ChannelConfig c;
  std::vector<std::string> names = SplitList(s.String("accounts", ""));
  const bool prefixed = !names.empty();
  if (names.empty()) names.push_back("default");
  if (std::set<std::string>(names.begin(), names.end()).size() != names.size())
    problems->push_back("accounts: a name appears twice");
  for (const auto& [key, value] : s.Values()) {
    if (ChannelKeys().count(key) || AccountKeys().count(key)) continue;
    auto dot = key.find('.');
    if (prefixed && dot != std::string::npos &&
        std::find(names.begin(), names.end(), key.substr(0, dot)) != names.end() &&
        AccountKeys().count(key.substr(dot + 1)))
      continue;
    problems->push_back(key + ": unknown setting");
  }
  for (const std::string& name : names) {
    AccountSettings a(s, name, prefixed);
    AccountConfig acc;
    SessionOptions& o = acc.session;
    o.account = name;
    o.host = a.Required("host");
    o.port = static_cast<int>(a.Int("port", 2775, 1, 65535));
    o.system_id = a.Required("system_id");
    if (o.system_id.size() > 15)
      problems->push_back(a.Key("system_id") + ": longer than 15 characters");
    o.password = a.Required("password");
    if (o.password.size() > 8)
      problems->push_back(a.Key("password") + ": longer than 8 characters");
    o.system_type = a.String("system_type", "");
    if (o.system_type.size() > 12)
      problems->push_back(a.Key("system_type") + ": longer than 12 characters");
    o.tps = static_cast<int>(a.Int("tps", 10, 1, 10000));
    o.window = static_cast<int>(a.Int("window", 10, 1, 1000));
    o.enquire_link = std::chrono::seconds(a.Int("enquire_link_s", 30, 1, 3600));
    o.response_timeout = std::chrono::seconds(a.Int("response_timeout_s", 10, 1, 120));
    o.connect_timeout = std::chrono::seconds(a.Int("connect_timeout_s", 5, 1, 120));
    o.reconnect_min = std::chrono::milliseconds(a.Int("reconnect_min_ms", 500, 10, 600000));
    o.reconnect_max = std::chrono::seconds(a.Int("reconnect_max_s", 60, 1, 3600));
    o.throttle_min = std::chrono::milliseconds(a.Int("throttle_backoff_ms", 1000, 10, 600000));
    o.throttle_max = std::chrono::seconds(a.Int("throttle_backoff_max_s", 30, 1, 3600));
    acc.registered_delivery = a.Bool("registered_delivery", true);

    // The sender: "+380..." or digits are international (TON 1, NPI 1); up to
    // 11 letters/digits otherwise are alphanumeric (TON 5, NPI 0) (CHANNELS.md §3).
    std::string src = a.Required("source_addr");
    std::string digits = !src.empty() && src[0] == '+' ? src.substr(1) : src;
    if (AllDigits(digits)) {
      acc.source_addr = digits;
      acc.source_ton = 1;
      acc.source_npi = 1;
      if (digits.size() > 15) problems->push_back(a.Key("source_addr") + ": over 15 digits");
    } else if (!src.empty()) {
      acc.source_addr = src;
      if (src.size() > 11)
        problems->push_back(a.Key("source_addr") +
                            ": an alphanumeric sender has at most 11 characters");
    }
    acc.source_ton = static_cast<uint8_t>(a.Int("source_ton", acc.source_ton, 0, 6));
    acc.source_npi = static_cast<uint8_t>(a.Int("source_npi", acc.source_npi, 0, 18));
    c.accounts.push_back(std::move(acc));
  }
  c.country_code = s.String("country_code", "");
  if (!c.country_code.empty() && (!AllDigits(c.country_code) || c.country_code.size() > 3))
    problems->push_back("country_code: expected 1-3 digits, e.g. 380");
  const std::string ref = s.String("udh_reference", "8");
  if (ref == "16") {
    c.sixteen_bit_ref = true;
  } else if (ref != "8") {
    problems->push_back("udh_reference: expected 8 or 16, got '" + ref + "'");
  }
  c.max_parts = static_cast<int>(s.Int("max_parts", 10, 1, 255));
  const std::string form = s.String("receipt_id_form", "same");
  if (form == "submit_hex_receipt_decimal") {
    c.receipt_id = ReceiptIdForm::kSubmitHexReceiptDecimal;
  } else if (form == "submit_decimal_receipt_hex") {
    c.receipt_id = ReceiptIdForm::kSubmitDecimalReceiptHex;
  } else if (form != "same") {
    problems->push_back(
        "receipt_id_form: expected same, submit_hex_receipt_decimal or "
        "submit_decimal_receipt_hex, got '" +
        form + "'");
  }
  c.send_timeout = std::chrono::seconds(s.Int("send_timeout_s", 25, 1, 30));
  c.start_timeout = std::chrono::seconds(s.Int("start_timeout_s", 10, 1, 120));
  c.reassembly_timeout = std::chrono::seconds(s.Int("reassembly_timeout_s", 300, 1, 86400));
  c.mo_dedup_window = std::chrono::seconds(s.Int("mo_dedup_window_s", 600, 1, 86400));
  c.default_alphabet = s.String("default_alphabet", "gsm");
  if (c.default_alphabet != "gsm" && c.default_alphabet != "latin1")
    problems->push_back("default_alphabet: expected gsm or latin1");
  return c;
}

SmsChannel::SmsChannel(const sdk::Settings& settings)
    : config_([&] {
        std::vector<std::string> problems;
        ChannelConfig c = ReadConfig(settings, &problems);
        for (const auto& p : settings.Problems()) problems.push_back(p);
        if (!problems.empty()) {
          std::string message = "bad settings: ";
          for (size_t i = 0; i < problems.size(); ++i) message += (i ? "; " : "") + problems[i];
          throw std::invalid_argument(message);
        }
        return c;
      }()),
      next_ref_(std::random_device{}()),
      reassembler_(config_.reassembly_timeout, std::chrono::minutes(10), 10000) {}

SmsChannel::~SmsChannel() {
  if (sweeper_.joinable() || !sessions_.empty()) Stop();
}

void SmsChannel::Log(Level level, const std::string& message) {
  if (host_) host_->Log().Log(level, message);
}

sdk::Status SmsChannel::Start(sdk::Host& host) {
  host_ = &host;
  for (const AccountConfig& account : config_.accounts) {
    SmppSession::Callbacks cb;
    cb.on_deliver = [this, &account](const ShortMessage& sm) { return OnDeliver(account, sm); };
    cb.log = [this](SmppSession::LogLevel level, const std::string& m) {
      Log(static_cast<Level>(static_cast<int>(level)), m);
    };
    sessions_.push_back(std::make_unique<SmppSession>(account.session, std::move(cb)));
  }
  for (auto& s : sessions_) s->Start();
  const auto until = Steady::now() + config_.start_timeout;
  for (auto& s : sessions_)
    s->WaitFirstAttempt(std::chrono::duration_cast<std::chrono::milliseconds>(
        std::max(Steady::duration::zero(), until - Steady::now())));
  // Refused credentials will not fix themselves: fail Start when every
  // account was refused. An unreachable SMSC may come back; its session keeps
  // reconnecting and Send answers "retry" meanwhile.
  bool all_refused = true;
  std::string errors;
  for (auto& s : sessions_) {
    all_refused = all_refused && s->credentials_refused();
    if (!s->bound()) errors += (errors.empty() ? "" : "; ") + s->last_error();
  }
  if (all_refused)
    return sdk::Status::Error("every SMPP account was refused by its SMSC: " + errors);
  if (!errors.empty()) Log(Level::kWarning, "not bound yet, will keep trying: " + errors);
  {
    std::lock_guard lock(sweep_mu_);
    stopping_ = false;
  }
  sweeper_ = std::thread([this] {
    std::unique_lock lock(sweep_mu_);
    while (!stopping_) {
      sweep_cv_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_; });
      if (stopping_) break;
      lock.unlock();
      Sweep();
      lock.lock();
    }
  });
  return sdk::Status::Ok();
}

void SmsChannel::Stop() {
  {
    std::lock_guard lock(sweep_mu_);
    stopping_ = true;
  }
  sweep_cv_.notify_all();
  if (sweeper_.joinable()) sweeper_.join();
  for (auto& s : sessions_) s->Stop();
  sessions_.clear();
  host_ = nullptr;
}

sdk::RateLimit SmsChannel::Limits() const {
  // The contracted TPS of all accounts together; each session also paces
  // itself, and counts every part of a long message.
  sdk::RateLimit limits;
  int total = 0;
  for (const auto& a : config_.accounts) total += a.session.tps;
  limits.overall = {total, std::chrono::seconds(1)};
  return limits;
}

SmppSession* SmsChannel::PickSession(int preferred, int* index) {
  if (preferred >= 0 && preferred < static_cast<int>(sessions_.size()) &&
      sessions_[preferred]->bound()) {
    *index = preferred;
    return sessions_[preferred].get();
  }
  SmppSession* best = nullptr;
  for (size_t i = 0; i < sessions_.size(); ++i) {
    if (!sessions_[i]->bound()) continue;
    if (!best || sessions_[i]->NextSlot() < best->NextSlot()) {
      best = sessions_[i].get();
      *index = static_cast<int>(i);
    }
  }
  return best;
}

sdk::SendResult SmsChannel::Send(const sdk::OutboundMessage& message) {
  const auto deadline = Steady::now() + config_.send_timeout;
  auto dest = DestinationFromChatId(message.chat_id);
  if (!dest)
    return sdk::SendResult::Failed("'" + message.chat_id +
                                   "' is not a phone number in E.164 (+ and 8-15 digits)");
  std::string text = message.text;
  if (message.keyboard && message.keyboard->kind != sdk::Keyboard::Kind::kRemove) {
    // SMS has no buttons: number the choices; the resident answers with the number.
    int n = 0;
    for (const auto& row : message.keyboard->rows)
      for (const auto& b : row) text += "\n" + std::to_string(++n) + ". " + b.text;
  }
  if (!message.attachments.empty())
    Log(Level::kInfo, "SMS cannot carry attachments; sent the text of " + message.id + " alone");
  auto utf16 = Utf8ToUtf16(text);
  if (!utf16) return sdk::SendResult::Failed("the text is not valid UTF-8");
  if (utf16->empty()) return sdk::SendResult::Failed("the text is empty");
  const std::vector<std::u16string> pieces = SplitUcs2(*utf16, config_.sixteen_bit_ref);
  if (static_cast<int>(pieces.size()) > config_.max_parts)
    return sdk::SendResult::Failed("the text needs " + std::to_string(pieces.size()) +
                                   " SMS parts; at most " + std::to_string(config_.max_parts) +
                                   " are allowed (max_parts)");
  const bool multi = pieces.size() > 1;

  Progress progress;
  {
    std::lock_guard lock(mu_);
    auto it = message.id.empty() ? progress_.end() : progress_.find(message.id);
    if (it != progress_.end()) {
      progress = it->second;
    } else {
      progress.ref = static_cast<uint16_t>(next_ref_.fetch_add(1));
      if (!config_.sixteen_bit_ref) progress.ref &= 0xFF;
    }
  }
  auto keep_progress = [&] {
    if (message.id.empty() || progress.part_ids.empty()) return;
    std::lock_guard lock(mu_);
    progress.touched = Steady::now();
    progress_[message.id] = progress;
  };

  int index = -1;
  for (size_t i = progress.part_ids.size(); i < pieces.size(); ++i) {
    SmppSession* session = PickSession(index, &index);
    if (!session) {
      keep_progress();
      std::string why;
      for (auto& s : sessions_) why += (why.empty() ? "" : "; ") + s->last_error();
      return sdk::SendResult::Retry(std::chrono::seconds(2), "no SMPP session is bound: " + why);
    }
    const AccountConfig& account = config_.accounts[index];
    ShortMessage sm;
    sm.source_addr_ton = account.source_ton;
    sm.source_addr_npi = account.source_npi;
    sm.source_addr = account.source_addr;
    sm.dest_addr_ton = 1;
    sm.dest_addr_npi = 1;
    sm.destination_addr = *dest;
    sm.data_coding = kDataCodingUcs2;
    sm.registered_delivery = account.registered_delivery ? 1 : 0;
    sm.short_message = ToUcs2Be(pieces[i]);
    if (multi) {
      sm.esm_class = kEsmUdhi;
      sm.short_message = ConcatUdh(progress.ref, static_cast<uint8_t>(pieces.size()),
                                   static_cast<uint8_t>(i + 1), config_.sixteen_bit_ref) +
                         sm.short_message;
    }
    const auto outcome = session->Submit(sm, deadline);
    using Kind = SmppSession::SubmitOutcome::Kind;
    const std::string part =
        multi ? " (part " + std::to_string(i + 1) + " of " + std::to_string(pieces.size()) + ")"
              : "";
    if (outcome.kind == Kind::kAnswered && outcome.status == status::kOk) {
      progress.part_ids.push_back(outcome.message_id);
      // Registered at once, so that this part's receipt finds its message.
      std::optional<std::pair<std::string, bool>> report;
      std::string detail;
      {
        std::lock_guard lock(mu_);
        if (!progress.group) {
          progress.group = std::make_shared<PartGroup>();
          progress.group->first_id = outcome.message_id;
          progress.group->total = static_cast<int>(pieces.size());
          progress.group->created = Steady::now();
        }
        auto orphan = orphans_.find(outcome.message_id);
        if (orphan != orphans_.end()) {
          detail = orphan->second.detail;
          report = ApplyReceipt(*progress.group, orphan->second.delivered);
          orphans_.erase(orphan);
        } else {
          parts_[outcome.message_id] = progress.group;
        }
      }
      if (report) Report(report->first, report->second, detail);
      continue;
    }
    keep_progress();
    if (outcome.kind == Kind::kAnswered) {
      if (outcome.status == status::kThrottled || outcome.status == status::kMsgQFul)
        return sdk::SendResult::Retry(
            CeilSeconds(session->ThrottleBackoff()),
            "the SMSC is throttling: " + StatusName(outcome.status) + part);
      if (IsPermanent(outcome.status))
        return sdk::SendResult::Failed("the SMSC refused the SMS" + part + ": " +
                                       StatusName(outcome.status));
      return sdk::SendResult::Retry(std::chrono::seconds(0),
                                    "the SMSC answered " + StatusName(outcome.status) + part);
    }
    if (outcome.kind == Kind::kStopping)
      return sdk::SendResult::Retry(std::chrono::seconds(1), "the SMS channel is stopping");
    return sdk::SendResult::Retry(std::chrono::seconds(1), outcome.detail + part);
  }

  {
    std::lock_guard lock(mu_);
    progress_.erase(message.id);
  }
  return sdk::SendResult::Sent(progress.part_ids.front());
}

// ------------------------------------------------------------------ inbound

std::u16string SmsChannel::DecodeText(uint8_t dc, const std::string& octets) const {
  // §5.2.19: 0x08 UCS-2, 0x03 Latin-1, 0x00 the SMSC default alphabet; the
  // GSM 03.38 data coding groups (0xF0..) carry their alphabet in bit 2..3.
  if (dc == kDataCodingUcs2 || (dc & 0xCC) == 0x08 || (dc & 0xF4) == 0xF4) {
    if ((dc & 0xF4) == 0xF4) return DecodeLatin1(octets);  // 8-bit data class: as octets
    return FromUcs2Be(octets);
  }
  if (dc == kDataCodingLatin1) return DecodeLatin1(octets);
  if (dc == 0x01) return DecodeLatin1(octets);  // IA5/ASCII
  return config_.default_alphabet == "latin1" ? DecodeLatin1(octets) : DecodeGsmUnpacked(octets);
}

SmppSession::DeliverAnswer SmsChannel::OnDeliver(const AccountConfig&, const ShortMessage& sm) {
  if ((sm.esm_class & kEsmTypeMask) == kEsmDeliveryReceipt ||
      (sm.esm_class & kEsmTypeMask) == 0x20 /* intermediate notification */)
    return OnReceipt(sm, DecodeText(sm.data_coding, sm.short_message));
  return OnMo(sm);
}

SmppSession::DeliverAnswer SmsChannel::OnReceipt(const ShortMessage& sm,
                                                 const std::u16string& text) {
  std::optional<std::string> tlv_id;
  std::optional<uint8_t> tlv_state;
  if (const Tlv* t = sm.FindTlv(tlv::kReceiptedMessageId)) {
    std::string v = t->value;
    if (auto nul = v.find('\0'); nul != std::string::npos) v.resize(nul);
    tlv_id = v;
  }
  if (const Tlv* t = sm.FindTlv(tlv::kMessageState); t && t->value.size() == 1)
    tlv_state = static_cast<uint8_t>(t->value[0]);
  auto receipt = ParseReceipt(Utf16ToUtf8(text), tlv_id, tlv_state);
  if (!receipt) {
    Log(Level::kWarning, "a delivery receipt without a message id was ignored");
    return {};
  }
  // The TLV carries the id as submit_sm_resp did; the text may use the other base.
  std::optional<std::string> id =
      tlv_id ? receipt->message_id : NormalizeReceiptId(receipt->message_id, config_.receipt_id);
  if (!id) {
    Log(Level::kWarning, "receipt id '" + receipt->message_id + "' does not parse as configured");
    return {};
  }
  if (receipt->outcome == Receipt::Outcome::kPending) {
    Log(Level::kDebug, "receipt for " + *id + ": " + receipt->stat);
    return {};
  }
  const std::string detail =
      receipt->stat + (receipt->error.empty() ? "" : " err:" + receipt->error);
  const bool delivered = receipt->outcome == Receipt::Outcome::kDelivered;
  std::optional<std::pair<std::string, bool>> report;
  {
    std::lock_guard lock(mu_);
    auto it = parts_.find(*id);
    if (it == parts_.end()) {
      orphans_[*id] = {delivered, detail, Steady::now()};
      return {};
    }
    auto group = it->second;
    parts_.erase(it);
    report = ApplyReceipt(*group, delivered);
  }
  if (report) Report(report->first, report->second, detail);
  return {};
}

std::optional<std::pair<std::string, bool>> SmsChannel::ApplyReceipt(PartGroup& group,
                                                                     bool delivered) {
  if (group.reported) return std::nullopt;
  if (!delivered) {
    group.reported = true;  // one failed part: the message as a whole failed
    return std::make_pair(group.first_id, false);
  }
  if (++group.delivered < group.total) return std::nullopt;  // wait for the other parts
  group.reported = true;
  return std::make_pair(group.first_id, true);
}

void SmsChannel::Report(const std::string& id, bool delivered, const std::string& detail) {
  host_->ReportDelivery(
      id, delivered ? sdk::DeliveryState::kDelivered : sdk::DeliveryState::kFailed, detail);
}

bool SmsChannel::HandOver(const std::string& chat_id, const std::string& provider_id,
                          const std::u16string& text, std::string* why) {
  sdk::InboundMessage in;
  in.provider_id = provider_id;
  in.chat_id = chat_id;
  in.text = Utf16ToUtf8(text);
  in.sent_at = host_->Now();
  sdk::Status st = host_->Deliver(std::move(in));
  if (!st.ok) *why = st.message;
  return st.ok;
}

SmppSession::DeliverAnswer SmsChannel::OnMo(const ShortMessage& sm) {
  const std::string chat =
      ChatIdFromAddress(sm.source_addr, sm.source_addr_ton, config_.country_code);
  std::string body = sm.short_message;
  bool udhi = (sm.esm_class & kEsmUdhi) != 0;
  if (body.empty()) {
    if (const Tlv* t = sm.FindTlv(tlv::kMessagePayload)) body = t->value;
  }
  UdhSplit split = SplitUdh(body, udhi);
  if (!split.ok) {
    Log(Level::kWarning, "an MO from " + chat + " has a UDH longer than the message; refused");
    return {status::kInvMsgLen, nullptr};
  }
  std::optional<ConcatInfo> concat = split.concat;
  if (!concat) {
    // The SAR TLVs (§5.3.2.22-24) are the other way to mark parts.
    const Tlv* ref = sm.FindTlv(tlv::kSarMsgRefNum);
    const Tlv* total = sm.FindTlv(tlv::kSarTotalSegments);
    const Tlv* seq = sm.FindTlv(tlv::kSarSegmentSeqnum);
    if (ref && total && seq && ref->value.size() == 2 && total->value.size() == 1 &&
        seq->value.size() == 1) {
      ConcatInfo c;
      c.ref = static_cast<uint16_t>((static_cast<uint8_t>(ref->value[0]) << 8) |
                                    static_cast<uint8_t>(ref->value[1]));
      c.total = static_cast<uint8_t>(total->value[0]);
      c.seq = static_cast<uint8_t>(seq->value[0]);
      if (c.total >= 1 && c.seq >= 1 && c.seq <= c.total) concat = c;
    }
  }
  const std::u16string text = DecodeText(sm.data_coding, split.payload);
  std::string why;

  if (concat && concat->total > 1) {
    Reassembler::Part part{chat, concat->ref, concat->total, concat->seq, text};
    Reassembler::Message whole;
    Reassembler::Outcome outcome;
    {
      std::lock_guard lock(mu_);
      outcome = reassembler_.Add(part, Steady::now(), &whole);
    }
    if (outcome == Reassembler::Outcome::kDuplicate) {
      Log(Level::kDebug, "a repeated SMS part from " + chat + " was ignored");
      return {};
    }
    if (outcome == Reassembler::Outcome::kStored) return {};
    const std::string id = "sms:" + chat + ":" + std::to_string(whole.ref) + "/" +
                           std::to_string(whole.total) + ":" + Fnv1aHex(ToUcs2Be(whole.text));
    if (!HandOver(chat, id, whole.text, &why)) {
      // Not acknowledged: the SMSC sends this part again and it completes again.
      Log(Level::kWarning, "the host did not take an SMS from " + chat + ": " + why);
      return {status::kTempAppError, nullptr};
    }
    std::lock_guard lock(mu_);
    reassembler_.Commit(whole, Steady::now());
    return {};
  }

  // A single SMS carries no id of its own. Its id is fresh unless the same
  // text from the same number is still "at risk" (our deliver_sm_resp may not
  // have reached the SMSC), in which case this is the SMSC's re-send.
  const std::string digest = chat + ":" + Fnv1aHex(ToUcs2Be(text));
  std::string id;
  {
    std::lock_guard lock(mu_);
    auto it = at_risk_.find(digest);
    if (it != at_risk_.end()) {
      id = it->second.first;
    } else {
      id = "sms:" + digest + ":" +
           std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                              host_->Now().time_since_epoch())
                              .count()) +
           "." + std::to_string(++mo_counter_);
    }
  }
  if (!HandOver(chat, id, text, &why)) {
    Log(Level::kWarning, "the host did not take an SMS from " + chat + ": " + why);
    return {status::kTempAppError, nullptr};
  }
  {
    std::lock_guard lock(mu_);
    at_risk_[digest] = {id, Steady::now()};
  }
  SmppSession::DeliverAnswer answer;
  answer.confirmed = [this, digest, id] {
    std::lock_guard lock(mu_);
    auto it = at_risk_.find(digest);
    if (it != at_risk_.end() && it->second.first == id) at_risk_.erase(it);
  };
  return answer;
}

void SmsChannel::Sweep() {
  const auto now = Steady::now();
  std::vector<Reassembler::Message> expired;
  std::vector<std::pair<std::string, Orphan>> late;
  {
    std::lock_guard lock(mu_);
    expired = reassembler_.Expired(now);
    for (auto it = progress_.begin(); it != progress_.end();)
      it = now - it->second.touched > std::chrono::hours(24) ? progress_.erase(it) : std::next(it);
    for (auto it = parts_.begin(); it != parts_.end();)
      it = now - it->second->created > std::chrono::hours(72) ? parts_.erase(it) : std::next(it);
    // Receipts nobody claimed within a few seconds: for a message sent
    // before a restart; reported as they are (the host matches the first
    // part's id and logs the rest).
    for (auto it = orphans_.begin(); it != orphans_.end();) {
      if (now - it->second.at > std::chrono::seconds(5)) {
        late.emplace_back(it->first, it->second);
        it = orphans_.erase(it);
      } else {
        ++it;
      }
    }
    for (auto it = at_risk_.begin(); it != at_risk_.end();)
      it = now - it->second.second > config_.mo_dedup_window ? at_risk_.erase(it) : std::next(it);
  }
  for (const auto& [id, orphan] : late) Report(id, orphan.delivered, orphan.detail);
  for (const auto& m : expired) {
    // What arrived of an SMS whose other parts never came: handed over rather
    // than lost, with the gap noted in the log.
    std::string missing;
    for (auto seq : m.missing) missing += (missing.empty() ? "" : ",") + std::to_string(seq);
    const std::string id = "sms:" + m.source + ":" + std::to_string(m.ref) + "/" +
                           std::to_string(m.total) + ":" + Fnv1aHex(ToUcs2Be(m.text)) + ":partial";
    std::string why;
    if (HandOver(m.source, id, m.text, &why)) {
      Log(Level::kWarning, "an SMS from " + m.source + " was handed over without part(s) " +
                               missing + " of " + std::to_string(m.total) + " after " +
                               std::to_string(config_.reassembly_timeout.count()) + " s");
      std::lock_guard lock(mu_);
      reassembler_.Commit(m, now);
    } else {
      Log(Level::kWarning, "the host did not take an incomplete SMS from " + m.source + ": " + why);
    }
  }
}

}  // namespace vikno::sms
