// The SMPP codec (plugins/sms/smpp_pdu.h) against an independent one:
// Debian's libsmpp34 (the Osmocom c-open-smpp-34). What we encode,
// libsmpp34 decodes to the same fields; what libsmpp34 encodes, we decode.
// libsmpp34 keeps its errors in globals, which is fine in this one thread.
#include <gtest/gtest.h>

extern "C" {
#include <smpp34.h>
#include <smpp34_structs.h>
// After smpp34_structs.h, which defines the types it names.
#include <smpp34_params.h>
}

#include <cstring>

#include "smpp_pdu.h"
#include "sms_text.h"

namespace vikno::sms {
namespace {

std::string Str(const uint8_t* s) { return reinterpret_cast<const char*>(s); }

// Unpacks with libsmpp34 into `out`; fails the test with its error text.
template <class T>
void Unpack(const std::string& bytes, T* out) {
  std::memset(out, 0, sizeof *out);
  int rc = smpp34_unpack2(out, reinterpret_cast<const uint8_t*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  ASSERT_EQ(rc, 0) << "libsmpp34: " << smpp34_strerror;
}

template <class T>
std::string Pack(T* pdu) {
  uint8_t buf[4096];
  int len = 0;
  int rc = smpp34_pack2(buf, sizeof buf, &len, pdu);
  EXPECT_EQ(rc, 0) << "libsmpp34: " << smpp34_strerror;
  return std::string(reinterpret_cast<char*>(buf), static_cast<size_t>(len));
}

Pdu DecodeOk(const std::string& bytes) {
  DecodeResult d = Decode(bytes);
  EXPECT_EQ(d.kind, DecodeResult::Kind::kPdu) << d.error;
  EXPECT_EQ(d.consumed, bytes.size());
  return d.pdu;
}

TEST(SmppCodecTest, BindTransceiverReadsTheSameInLibsmpp34) {
  Pdu p;
  p.command_id = cmd::kBindTransceiver;
  p.sequence = 7;
  BindTransceiver b;
  b.system_id = "vikno";
  b.password = "secret";
  b.system_type = "VMA";
  b.addr_ton = 1;
  b.addr_npi = 1;
  b.address_range = "380";
  p.body = b;
  const std::string bytes = Encode(p);
  bind_transceiver_t t;
  Unpack(bytes, &t);
  EXPECT_EQ(t.command_length, bytes.size());
  EXPECT_EQ(t.command_id, static_cast<uint32_t>(BIND_TRANSCEIVER));
  EXPECT_EQ(t.sequence_number, 7u);
  EXPECT_EQ(Str(t.system_id), "vikno");
  EXPECT_EQ(Str(t.password), "secret");
  EXPECT_EQ(Str(t.system_type), "VMA");
  EXPECT_EQ(t.interface_version, 0x34) << "SMPP 3.4, not the npm library's 0x50";
  EXPECT_EQ(t.addr_ton, 1);
  EXPECT_EQ(Str(t.address_range), "380");
}

TEST(SmppCodecTest, BindRespFromLibsmpp34IncludingARefusal) {
  bind_transceiver_resp_t r;
  std::memset(&r, 0, sizeof r);
  r.command_id = BIND_TRANSCEIVER_RESP;
  r.sequence_number = 7;
  std::strcpy(reinterpret_cast<char*>(r.system_id), "SMSC");
  Pdu ok = DecodeOk(Pack(&r));
  EXPECT_EQ(ok.command_id, cmd::kBindTransceiverResp);
  ASSERT_TRUE(std::holds_alternative<BindResp>(ok.body));
  EXPECT_EQ(std::get<BindResp>(ok.body).system_id, "SMSC");

  // A refused bind (§4.1.6): header only, which our decoder must accept.
  Pdu refused;
  refused.command_id = cmd::kBindTransceiverResp;
  refused.command_status = status::kInvPaswd;
  refused.sequence = 8;
  const std::string bytes = Encode(refused);
  EXPECT_EQ(bytes.size(), kHeaderSize);
  Pdu back = DecodeOk(bytes);
  EXPECT_EQ(back.command_status, status::kInvPaswd);
  EXPECT_EQ(StatusName(back.command_status), "ESME_RINVPASWD (0x0E)");
}

TEST(SmppCodecTest, ConcatenatedUcs2SubmitReadsTheSameInLibsmpp34) {
  const std::u16string text = *Utf8ToUtf16("Не горить ліхтар на вулиці Соборній");
  Pdu p;
  p.command_id = cmd::kSubmitSm;
  p.sequence = 0x7FFFFFFF;
  ShortMessage m;
  m.source_addr_ton = 5;
  m.source_addr = "SumyRada";
  m.dest_addr_ton = 1;
  m.dest_addr_npi = 1;
  m.destination_addr = "380501234567";
  m.esm_class = kEsmUdhi;
  m.registered_delivery = 1;
  m.data_coding = kDataCodingUcs2;
  m.short_message = ConcatUdh(0x42, 2, 1, false) + ToUcs2Be(text);
  m.tlvs.push_back({0x0204, std::string("\x00\x07", 2)});  // user_message_reference
  p.body = m;
  const std::string bytes = Encode(p);

  submit_sm_t s;
  Unpack(bytes, &s);
  EXPECT_EQ(s.sequence_number, 0x7FFFFFFFu);
  EXPECT_EQ(Str(s.source_addr), "SumyRada");
  EXPECT_EQ(s.source_addr_ton, 5);
  EXPECT_EQ(Str(s.destination_addr), "380501234567");
  EXPECT_EQ(s.dest_addr_ton, 1);
  EXPECT_EQ(s.dest_addr_npi, 1);
  EXPECT_EQ(s.esm_class, 0x40);
  EXPECT_EQ(s.data_coding, 8);
  EXPECT_EQ(s.registered_delivery, 1);
  ASSERT_EQ(s.sm_length, m.short_message.size());
  const std::string sm(reinterpret_cast<char*>(s.short_message), s.sm_length);
  EXPECT_EQ(sm.substr(0, 6), std::string("\x05\x00\x03\x42\x02\x01", 6));
  EXPECT_EQ(FromUcs2Be(sm.substr(6)), text);
  ASSERT_NE(s.tlv, nullptr);
  EXPECT_EQ(s.tlv->tag, 0x0204);
  EXPECT_EQ(s.tlv->value.val16, 7);
  destroy_tlv(s.tlv);
}

TEST(SmppCodecTest, ReceiptFromLibsmpp34WithItsTlvs) {
  deliver_sm_t d;
  std::memset(&d, 0, sizeof d);
  d.command_id = DELIVER_SM;
  d.sequence_number = 99;
  std::strcpy(reinterpret_cast<char*>(d.source_addr), "380501234567");
  d.source_addr_ton = 1;
  d.source_addr_npi = 1;
  std::strcpy(reinterpret_cast<char*>(d.destination_addr), "SumyRada");
  d.esm_class = 0x04;
  const char* text =
      "id:0000001001 sub:001 dlvrd:001 submit date:2611221200 done date:2611221201 stat:DELIVRD "
      "err:000 text:";
  d.sm_length = static_cast<uint8_t>(std::strlen(text));
  std::memcpy(d.short_message, text, d.sm_length);
  tlv_t t;
  std::memset(&t, 0, sizeof t);
  t.tag = TLVID_receipted_message_id;
  t.length = 5;
  std::memcpy(t.value.octet, "1001", 5);
  build_tlv(&d.tlv, &t);
  std::memset(&t, 0, sizeof t);
  t.tag = TLVID_message_state;
  t.length = 1;
  t.value.val08 = 2;
  build_tlv(&d.tlv, &t);
  const std::string bytes = Pack(&d);
  destroy_tlv(d.tlv);

  Pdu p = DecodeOk(bytes);
  EXPECT_EQ(p.command_id, cmd::kDeliverSm);
  EXPECT_EQ(p.sequence, 99u);
  const auto& m = std::get<ShortMessage>(p.body);
  EXPECT_EQ(m.source_addr, "380501234567");
  EXPECT_EQ(m.esm_class, kEsmDeliveryReceipt);
  EXPECT_EQ(m.short_message, text);
  const Tlv* id = m.FindTlv(tlv::kReceiptedMessageId);
  ASSERT_NE(id, nullptr);
  EXPECT_EQ(id->value, std::string("1001\0", 5));
  const Tlv* state = m.FindTlv(tlv::kMessageState);
  ASSERT_NE(state, nullptr);
  EXPECT_EQ(state->value, std::string("\x02", 1));

  auto receipt = ParseReceipt(m.short_message, std::string("1001"), 2);
  ASSERT_TRUE(receipt.has_value());
  EXPECT_EQ(receipt->message_id, "1001");
  EXPECT_EQ(receipt->outcome, Receipt::Outcome::kDelivered);
}

TEST(SmppCodecTest, OurReceiptDeliverSmReadsTheSameInLibsmpp34) {
  Pdu p;
  p.command_id = cmd::kDeliverSm;
  p.sequence = 5;
  ShortMessage m;
  m.source_addr = "380501234567";
  m.esm_class = kEsmDeliveryReceipt;
  m.short_message = "id:1002 stat:UNDELIV err:001";
  m.tlvs.push_back({tlv::kReceiptedMessageId, std::string("1002\0", 5)});
  m.tlvs.push_back({tlv::kMessageState, std::string("\x05", 1)});
  p.body = m;
  deliver_sm_t d;
  Unpack(Encode(p), &d);
  EXPECT_EQ(d.esm_class, 0x04);
  int seen = 0;
  tlv_t* t;
  smpp34_tlv_for_each(t, d.tlv) {
    if (t->tag == TLVID_receipted_message_id) {
      EXPECT_STREQ(reinterpret_cast<char*>(t->value.octet), "1002");
      ++seen;
    }
    if (t->tag == TLVID_message_state) {
      EXPECT_EQ(t->value.val08, 5);
      ++seen;
    }
  }
  EXPECT_EQ(seen, 2);
  destroy_tlv(d.tlv);
}

TEST(SmppCodecTest, ResponsesAndHeaderOnlyPdusBothWays) {
  Pdu resp;
  resp.command_id = cmd::kSubmitSmResp;
  resp.sequence = 3;
  resp.body = MessageIdResp{"3e9"};
  submit_sm_resp_t sr;
  Unpack(Encode(resp), &sr);
  EXPECT_EQ(Str(sr.message_id), "3e9");
  EXPECT_EQ(sr.sequence_number, 3u);

  // A throttled submit_sm_resp has no body (§4.4.2).
  Pdu throttled;
  throttled.command_id = cmd::kSubmitSmResp;
  throttled.command_status = status::kThrottled;
  throttled.sequence = 4;
  EXPECT_EQ(Encode(throttled).size(), kHeaderSize);
  EXPECT_EQ(DecodeOk(Encode(throttled)).command_status, status::kThrottled);

  for (uint32_t id : {cmd::kEnquireLink, cmd::kEnquireLinkResp, cmd::kUnbind, cmd::kUnbindResp,
                      cmd::kGenericNack}) {
    Pdu h;
    h.command_id = id;
    h.command_status = id == cmd::kGenericNack ? status::kInvCmdId : 0;
    h.sequence = 11;
    const std::string bytes = Encode(h);
    EXPECT_EQ(bytes.size(), kHeaderSize) << CommandName(id);
    generic_nack_t g;  // every header-only PDU has this layout
    Unpack(bytes, &g);
    EXPECT_EQ(g.command_id, id);
    EXPECT_EQ(g.sequence_number, 11u);
    EXPECT_EQ(g.command_status, h.command_status);
  }

  enquire_link_t e;
  std::memset(&e, 0, sizeof e);
  e.command_id = ENQUIRE_LINK;
  e.sequence_number = 12;
  Pdu back = DecodeOk(Pack(&e));
  EXPECT_EQ(back.command_id, cmd::kEnquireLink);
  EXPECT_EQ(back.sequence, 12u);

  deliver_sm_resp_t dr;
  std::memset(&dr, 0, sizeof dr);
  dr.command_id = DELIVER_SM_RESP;
  dr.sequence_number = 13;
  back = DecodeOk(Pack(&dr));
  EXPECT_EQ(back.command_id, cmd::kDeliverSmResp);
}

TEST(SmppCodecTest, StreamFramingAndGarbledInput) {
  Pdu e;
  e.command_id = cmd::kEnquireLink;
  e.sequence = 1;
  const std::string one = Encode(e);
  // Less than a PDU: read more.
  EXPECT_EQ(Decode(one.substr(0, 3)).kind, DecodeResult::Kind::kNeedMore);
  EXPECT_EQ(Decode(one.substr(0, 10)).kind, DecodeResult::Kind::kNeedMore);
  // Two PDUs in one read: the first only.
  DecodeResult d = Decode(one + one);
  EXPECT_EQ(d.kind, DecodeResult::Kind::kPdu);
  EXPECT_EQ(d.consumed, one.size());

  // A length below the header or absurdly large cannot be resynchronised.
  std::string bad = one;
  bad[3] = 8;
  EXPECT_EQ(Decode(bad).kind, DecodeResult::Kind::kBadFrame);
  bad = one;
  bad[0] = 0x7F;
  EXPECT_EQ(Decode(bad).kind, DecodeResult::Kind::kBadFrame);

  // An unknown command: generic_nack ESME_RINVCMDID with its sequence.
  std::string unknown = one;
  unknown[7] = static_cast<char>(0x99);
  d = Decode(unknown);
  EXPECT_EQ(d.kind, DecodeResult::Kind::kBadPdu);
  EXPECT_EQ(d.nack_status, status::kInvCmdId);
  EXPECT_EQ(d.pdu.sequence, 1u);
  EXPECT_EQ(d.consumed, one.size());

  // A submit_sm cut short: ESME_RINVCMDLEN, and the stream goes on after it.
  Pdu s;
  s.command_id = cmd::kSubmitSm;
  s.sequence = 2;
  ShortMessage m;
  m.destination_addr = "380501234567";
  m.short_message = "hello";
  s.body = m;
  std::string full = Encode(s);
  std::string truncated = full.substr(0, 30);
  truncated[3] = 30;
  d = Decode(truncated + one);
  EXPECT_EQ(d.kind, DecodeResult::Kind::kBadPdu);
  EXPECT_EQ(d.nack_status, status::kInvCmdLen);
  EXPECT_EQ(d.consumed, 30u);
  // sm_length pointing past the end.
  std::string overlong = full;
  overlong[overlong.size() - 6] = 100;
  EXPECT_EQ(Decode(overlong).kind, DecodeResult::Kind::kBadPdu);
  // A C-string without its NUL within the field's limit.
  Pdu b;
  b.command_id = cmd::kBindTransceiverResp;
  b.sequence = 3;
  b.body = BindResp{"SMSC", {}};
  std::string noterm = Encode(b);
  noterm.pop_back();
  noterm += "XXXXXXXXXXXXXXXXXXXX";
  noterm[3] = static_cast<char>(noterm.size());
  EXPECT_EQ(Decode(noterm).kind, DecodeResult::Kind::kBadPdu);
}

TEST(SmppCodecTest, EncodeRefusesWhatTheProtocolCannotCarry) {
  Pdu p;
  p.command_id = cmd::kBindTransceiver;
  BindTransceiver b;
  b.system_id = "sixteen-chars-xx";
  p.body = b;
  EXPECT_THROW(Encode(p), std::invalid_argument);
  Pdu s;
  s.command_id = cmd::kSubmitSm;
  ShortMessage m;
  m.short_message = std::string(255, 'x');
  s.body = m;
  EXPECT_THROW(Encode(s), std::invalid_argument);
  Pdu wrong;
  wrong.command_id = cmd::kSubmitSm;  // with no body
  EXPECT_THROW(Encode(wrong), std::invalid_argument);
}

}  // namespace
}  // namespace vikno::sms
