#include "smpp_pdu.h"

#include <cstdio>
#include <stdexcept>

namespace vikno::sms {
namespace {

void PutU32(std::string& out, uint32_t v) {
  out.push_back(static_cast<char>(v >> 24));
  out.push_back(static_cast<char>(v >> 16));
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}
void PutU16(std::string& out, uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}
void PutU8(std::string& out, uint8_t v) { out.push_back(static_cast<char>(v)); }

// A C-Octet String of at most `max` octets before the NUL (§3.1).
void PutCString(std::string& out, const std::string& s, size_t max, const char* field) {
  if (s.size() > max || s.find('\0') != std::string::npos)
    throw std::invalid_argument(std::string("SMPP field ") + field + " is longer than " +
                                std::to_string(max) + " octets or contains NUL");
  out += s;
  out.push_back('\0');
}

void PutTlvs(std::string& out, const std::vector<Tlv>& tlvs) {
  for (const Tlv& t : tlvs) {
    if (t.value.size() > 0xFFFF) throw std::invalid_argument("SMPP TLV value over 65535 octets");
    PutU16(out, t.tag);
    PutU16(out, static_cast<uint16_t>(t.value.size()));
    out += t.value;
  }
}

void EncodeShortMessage(std::string& out, const ShortMessage& m) {
  PutCString(out, m.service_type, 5, "service_type");
  PutU8(out, m.source_addr_ton);
  PutU8(out, m.source_addr_npi);
  PutCString(out, m.source_addr, 20, "source_addr");
  PutU8(out, m.dest_addr_ton);
  PutU8(out, m.dest_addr_npi);
  PutCString(out, m.destination_addr, 20, "destination_addr");
  PutU8(out, m.esm_class);
  PutU8(out, m.protocol_id);
  PutU8(out, m.priority_flag);
  PutCString(out, m.schedule_delivery_time, 16, "schedule_delivery_time");
  PutCString(out, m.validity_period, 16, "validity_period");
  PutU8(out, m.registered_delivery);
  PutU8(out, m.replace_if_present_flag);
  PutU8(out, m.data_coding);
  PutU8(out, m.sm_default_msg_id);
  if (m.short_message.size() > 254)
    throw std::invalid_argument("SMPP short_message is longer than 254 octets");
  PutU8(out, static_cast<uint8_t>(m.short_message.size()));
  out += m.short_message;
  PutTlvs(out, m.tlvs);
}

// Reads fields from one PDU's body; any overrun marks it failed.
class Reader {
 public:
  Reader(const std::string& data, size_t begin, size_t end) : d_(data), p_(begin), end_(end) {}
  bool ok() const { return ok_; }
  bool AtEnd() const { return p_ >= end_; }
  const std::string& error() const { return error_; }

  uint8_t U8(const char* field) {
    if (!ok_) return 0;
    if (p_ + 1 > end_) return Fail(field), 0;
    return static_cast<uint8_t>(d_[p_++]);
  }
  uint16_t U16(const char* field) {
    if (!ok_) return 0;
    if (p_ + 2 > end_) return Fail(field), 0;
    uint16_t v = static_cast<uint16_t>((static_cast<uint8_t>(d_[p_]) << 8) |
                                       static_cast<uint8_t>(d_[p_ + 1]));
    p_ += 2;
    return v;
  }
  // A C-Octet String with at most `max` octets before the NUL.
  std::string CString(size_t max, const char* field) {
    if (!ok_) return {};
    for (size_t i = p_; i < end_ && i <= p_ + max; ++i) {
      if (d_[i] == '\0') {
        std::string s = d_.substr(p_, i - p_);
        p_ = i + 1;
        return s;
      }
    }
    Fail(field);
    return {};
  }
  std::string Bytes(size_t n, const char* field) {
    if (!ok_) return {};
    if (p_ + n > end_) return Fail(field), std::string();
    std::string s = d_.substr(p_, n);
    p_ += n;
    return s;
  }
  std::vector<Tlv> Tlvs() {
    std::vector<Tlv> out;
    while (ok_ && p_ < end_) {
      Tlv t;
      t.tag = U16("TLV tag");
      uint16_t len = U16("TLV length");
      t.value = Bytes(len, "TLV value");
      if (ok_) out.push_back(std::move(t));
    }
    return out;
  }

 private:
  void Fail(const char* field) {
    if (ok_)
      error_ = std::string("field ") + field + " runs past the end of the PDU or is too long";
    ok_ = false;
  }
  const std::string& d_;
  size_t p_;
  size_t end_;
  bool ok_ = true;
  std::string error_;
};

uint32_t GetU32(const std::string& s, size_t at) {
  return (static_cast<uint32_t>(static_cast<uint8_t>(s[at])) << 24) |
         (static_cast<uint32_t>(static_cast<uint8_t>(s[at + 1])) << 16) |
         (static_cast<uint32_t>(static_cast<uint8_t>(s[at + 2])) << 8) |
         static_cast<uint32_t>(static_cast<uint8_t>(s[at + 3]));
}

ShortMessage DecodeShortMessage(Reader& r) {
  ShortMessage m;
  m.service_type = r.CString(5, "service_type");
  m.source_addr_ton = r.U8("source_addr_ton");
  m.source_addr_npi = r.U8("source_addr_npi");
  m.source_addr = r.CString(20, "source_addr");
  m.dest_addr_ton = r.U8("dest_addr_ton");
  m.dest_addr_npi = r.U8("dest_addr_npi");
  m.destination_addr = r.CString(20, "destination_addr");
  m.esm_class = r.U8("esm_class");
  m.protocol_id = r.U8("protocol_id");
  m.priority_flag = r.U8("priority_flag");
  m.schedule_delivery_time = r.CString(16, "schedule_delivery_time");
  m.validity_period = r.CString(16, "validity_period");
  m.registered_delivery = r.U8("registered_delivery");
  m.replace_if_present_flag = r.U8("replace_if_present_flag");
  m.data_coding = r.U8("data_coding");
  m.sm_default_msg_id = r.U8("sm_default_msg_id");
  uint8_t len = r.U8("sm_length");
  m.short_message = r.Bytes(len, "short_message");
  m.tlvs = r.Tlvs();
  return m;
}

}  // namespace

const Tlv* ShortMessage::FindTlv(uint16_t tag) const {
  for (const Tlv& t : tlvs)
    if (t.tag == tag) return &t;
  return nullptr;
}

std::string Encode(const Pdu& pdu) {
  std::string out(kHeaderSize, '\0');
  auto need = [&](bool ok) {
    if (!ok) throw std::invalid_argument("SMPP body does not match " + CommandName(pdu.command_id));
  };
  switch (pdu.command_id) {
    case cmd::kBindTransceiver: {
      need(std::holds_alternative<BindTransceiver>(pdu.body));
      const auto& b = std::get<BindTransceiver>(pdu.body);
      PutCString(out, b.system_id, 15, "system_id");
      PutCString(out, b.password, 8, "password");
      PutCString(out, b.system_type, 12, "system_type");
      PutU8(out, b.interface_version);
      PutU8(out, b.addr_ton);
      PutU8(out, b.addr_npi);
      PutCString(out, b.address_range, 40, "address_range");
      break;
    }
    case cmd::kBindTransceiverResp: {
      // §4.1.6: the body is omitted when the bind failed.
      if (pdu.command_status != status::kOk && std::holds_alternative<std::monostate>(pdu.body))
        break;
      need(std::holds_alternative<BindResp>(pdu.body));
      const auto& b = std::get<BindResp>(pdu.body);
      PutCString(out, b.system_id, 15, "system_id");
      PutTlvs(out, b.tlvs);
      break;
    }
    case cmd::kSubmitSm:
    case cmd::kDeliverSm:
      need(std::holds_alternative<ShortMessage>(pdu.body));
      EncodeShortMessage(out, std::get<ShortMessage>(pdu.body));
      break;
    case cmd::kSubmitSmResp:
    case cmd::kDeliverSmResp: {
      // §4.4.2: a submit_sm_resp with an error status has no body.
      if (pdu.command_status != status::kOk && std::holds_alternative<std::monostate>(pdu.body))
        break;
      need(std::holds_alternative<MessageIdResp>(pdu.body));
      PutCString(out, std::get<MessageIdResp>(pdu.body).message_id, 64, "message_id");
      break;
    }
    case cmd::kEnquireLink:
    case cmd::kEnquireLinkResp:
    case cmd::kUnbind:
    case cmd::kUnbindResp:
    case cmd::kGenericNack:
      need(std::holds_alternative<std::monostate>(pdu.body));
      break;
    default:
      throw std::invalid_argument("SMPP command not supported by this codec: " +
                                  CommandName(pdu.command_id));
  }
  std::string header;
  PutU32(header, static_cast<uint32_t>(out.size()));
  PutU32(header, pdu.command_id);
  PutU32(header, pdu.command_status);
  PutU32(header, pdu.sequence);
  out.replace(0, kHeaderSize, header);
  return out;
}

DecodeResult Decode(const std::string& buffer) {
  DecodeResult r;
  if (buffer.size() < 4) return r;
  const uint32_t length = GetU32(buffer, 0);
  if (length < kHeaderSize || length > kMaxPduLength) {
    r.kind = DecodeResult::Kind::kBadFrame;
    r.error = "command_length " + std::to_string(length) + " is outside 16.." +
              std::to_string(kMaxPduLength);
    return r;
  }
  if (buffer.size() < length) return r;
  r.consumed = length;
  r.pdu.command_id = GetU32(buffer, 4);
  r.pdu.command_status = GetU32(buffer, 8);
  r.pdu.sequence = GetU32(buffer, 12);
  Reader reader(buffer, kHeaderSize, length);
  auto bad = [&](uint32_t nack, std::string why) {
    r.kind = DecodeResult::Kind::kBadPdu;
    r.nack_status = nack;
    r.error = CommandName(r.pdu.command_id) + ": " + std::move(why);
    return r;
  };
  switch (r.pdu.command_id) {
    case cmd::kBindTransceiver: {
      BindTransceiver b;
      b.system_id = reader.CString(15, "system_id");
      b.password = reader.CString(8, "password");
      b.system_type = reader.CString(12, "system_type");
      b.interface_version = reader.U8("interface_version");
      b.addr_ton = reader.U8("addr_ton");
      b.addr_npi = reader.U8("addr_npi");
      b.address_range = reader.CString(40, "address_range");
      r.pdu.body = std::move(b);
      break;
    }
    case cmd::kBindTransceiverResp: {
      if (reader.AtEnd()) break;  // a failed bind carries no body
      BindResp b;
      b.system_id = reader.CString(15, "system_id");
      b.tlvs = reader.Tlvs();
      r.pdu.body = std::move(b);
      break;
    }
    case cmd::kSubmitSm:
    case cmd::kDeliverSm:
      r.pdu.body = DecodeShortMessage(reader);
      break;
    case cmd::kSubmitSmResp:
    case cmd::kDeliverSmResp:
      if (reader.AtEnd()) break;  // error status: no body
      r.pdu.body = MessageIdResp{reader.CString(64, "message_id")};
      break;
    case cmd::kEnquireLink:
    case cmd::kEnquireLinkResp:
    case cmd::kUnbind:
    case cmd::kUnbindResp:
    case cmd::kGenericNack:
      break;
    default:
      return bad(status::kInvCmdId, "unknown command id");
  }
  if (!reader.ok()) return bad(status::kInvCmdLen, reader.error());
  r.kind = DecodeResult::Kind::kPdu;
  return r;
}

std::string CommandName(uint32_t id) {
  switch (id) {
    case cmd::kGenericNack:
      return "generic_nack";
    case cmd::kBindTransceiver:
      return "bind_transceiver";
    case cmd::kBindTransceiverResp:
      return "bind_transceiver_resp";
    case cmd::kSubmitSm:
      return "submit_sm";
    case cmd::kSubmitSmResp:
      return "submit_sm_resp";
    case cmd::kDeliverSm:
      return "deliver_sm";
    case cmd::kDeliverSmResp:
      return "deliver_sm_resp";
    case cmd::kUnbind:
      return "unbind";
    case cmd::kUnbindResp:
      return "unbind_resp";
    case cmd::kEnquireLink:
      return "enquire_link";
    case cmd::kEnquireLinkResp:
      return "enquire_link_resp";
    default: {
      char buf[16];
      std::snprintf(buf, sizeof buf, "0x%08X", id);
      return buf;
    }
  }
}

std::string StatusName(uint32_t s) {
  const char* name = nullptr;
  switch (s) {
    case status::kOk:
      name = "ESME_ROK";
      break;
    case status::kInvMsgLen:
      name = "ESME_RINVMSGLEN";
      break;
    case status::kInvCmdLen:
      name = "ESME_RINVCMDLEN";
      break;
    case status::kInvCmdId:
      name = "ESME_RINVCMDID";
      break;
    case status::kInvBindStatus:
      name = "ESME_RINVBNDSTS";
      break;
    case status::kAlreadyBound:
      name = "ESME_RALYBND";
      break;
    case status::kSysErr:
      name = "ESME_RSYSERR";
      break;
    case status::kInvDstAdr:
      name = "ESME_RINVDSTADR";
      break;
    case status::kBindFail:
      name = "ESME_RBINDFAIL";
      break;
    case status::kInvPaswd:
      name = "ESME_RINVPASWD";
      break;
    case status::kInvSysId:
      name = "ESME_RINVSYSID";
      break;
    case status::kMsgQFul:
      name = "ESME_RMSGQFUL";
      break;
    case status::kThrottled:
      name = "ESME_RTHROTTLED";
      break;
    case status::kTempAppError:
      name = "ESME_RX_T_APPN";
      break;
    default:
      break;
  }
  char buf[48];
  std::snprintf(buf, sizeof buf, "%s (0x%02X)", name ? name : "status", s);
  return buf;
}

}  // namespace vikno::sms
