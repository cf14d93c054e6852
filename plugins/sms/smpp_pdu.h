// SMPP 3.4 PDU codec (SMPP v3.4 Issue 1.2, §3.2 format, §4 operations,
// §5.1.3 command_status, §5.3 TLVs): the PDUs an ESME in a transceiver
// session needs — bind_transceiver(_resp), submit_sm(_resp),
// deliver_sm(_resp), enquire_link(_resp), unbind(_resp), generic_nack — with
// optional parameters (TLVs) kept as raw tag/value pairs.
//
// Written here rather than wrapping Debian's libsmpp34 because that library
// keeps its errors in process globals (not thread-safe) and has fixed-size
// buffers; libsmpp34 serves as the independent decoder in the codec tests.
//
// Thread-safety: pure functions over values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace vikno::sms {

namespace cmd {
inline constexpr uint32_t kGenericNack = 0x80000000;
inline constexpr uint32_t kBindTransceiver = 0x00000009;
inline constexpr uint32_t kBindTransceiverResp = 0x80000009;
inline constexpr uint32_t kSubmitSm = 0x00000004;
inline constexpr uint32_t kSubmitSmResp = 0x80000004;
inline constexpr uint32_t kDeliverSm = 0x00000005;
inline constexpr uint32_t kDeliverSmResp = 0x80000005;
inline constexpr uint32_t kUnbind = 0x00000006;
inline constexpr uint32_t kUnbindResp = 0x80000006;
inline constexpr uint32_t kEnquireLink = 0x00000015;
inline constexpr uint32_t kEnquireLinkResp = 0x80000015;
inline constexpr uint32_t kResponseBit = 0x80000000;
}  // namespace cmd

// command_status values this client produces or acts on (§5.1.3).
namespace status {
inline constexpr uint32_t kOk = 0x00;
inline constexpr uint32_t kInvMsgLen = 0x01;
inline constexpr uint32_t kInvCmdLen = 0x02;
inline constexpr uint32_t kInvCmdId = 0x03;
inline constexpr uint32_t kInvBindStatus = 0x04;
inline constexpr uint32_t kAlreadyBound = 0x05;
inline constexpr uint32_t kSysErr = 0x08;
inline constexpr uint32_t kInvDstAdr = 0x0B;
inline constexpr uint32_t kBindFail = 0x0D;
inline constexpr uint32_t kInvPaswd = 0x0E;
inline constexpr uint32_t kInvSysId = 0x0F;
inline constexpr uint32_t kMsgQFul = 0x14;
inline constexpr uint32_t kThrottled = 0x58;
inline constexpr uint32_t kTempAppError = 0x64;  // ESME_RX_T_APPN: "try again later"
}  // namespace status

// Optional parameter tags used here (§5.3.2).
namespace tlv {
inline constexpr uint16_t kReceiptedMessageId = 0x001E;
inline constexpr uint16_t kSarMsgRefNum = 0x020C;
inline constexpr uint16_t kSarTotalSegments = 0x020E;
inline constexpr uint16_t kSarSegmentSeqnum = 0x020F;
inline constexpr uint16_t kMessagePayload = 0x0424;
inline constexpr uint16_t kMessageState = 0x0427;
}  // namespace tlv

// esm_class bits (§5.2.12).
inline constexpr uint8_t kEsmUdhi = 0x40;
inline constexpr uint8_t kEsmDeliveryReceipt = 0x04;
inline constexpr uint8_t kEsmTypeMask = 0x3C;
// data_coding (§5.2.19).
inline constexpr uint8_t kDataCodingDefault = 0x00;
inline constexpr uint8_t kDataCodingLatin1 = 0x03;
inline constexpr uint8_t kDataCodingUcs2 = 0x08;

struct Tlv {
  uint16_t tag = 0;
  std::string value;
};

struct BindTransceiver {
  std::string system_id;    // ≤15 octets
  std::string password;     // ≤8
  std::string system_type;  // ≤12
  uint8_t interface_version = 0x34;
  uint8_t addr_ton = 0;
  uint8_t addr_npi = 0;
  std::string address_range;  // ≤40
};

// bind_transceiver_resp: the SMSC's system_id (absent when the bind failed).
struct BindResp {
  std::string system_id;
  std::vector<Tlv> tlvs;
};

// submit_sm and deliver_sm share their mandatory fields (§4.4.1, §4.6.1).
struct ShortMessage {
  std::string service_type;
  uint8_t source_addr_ton = 0;
  uint8_t source_addr_npi = 0;
  std::string source_addr;  // ≤20
  uint8_t dest_addr_ton = 0;
  uint8_t dest_addr_npi = 0;
  std::string destination_addr;  // ≤20
  uint8_t esm_class = 0;
  uint8_t protocol_id = 0;
  uint8_t priority_flag = 0;
  std::string schedule_delivery_time;  // "" or 16 characters
  std::string validity_period;
  uint8_t registered_delivery = 0;
  uint8_t replace_if_present_flag = 0;
  uint8_t data_coding = 0;
  uint8_t sm_default_msg_id = 0;
  std::string short_message;  // ≤254 octets, UDH included when esm_class & 0x40
  std::vector<Tlv> tlvs;

  const Tlv* FindTlv(uint16_t tag) const;
};

// submit_sm_resp / deliver_sm_resp: message_id (empty in deliver_sm_resp,
// and absent when command_status is an error).
struct MessageIdResp {
  std::string message_id;
};

using Body = std::variant<std::monostate, BindTransceiver, BindResp, ShortMessage, MessageIdResp>;

struct Pdu {
  uint32_t command_id = 0;
  uint32_t command_status = 0;
  uint32_t sequence = 0;
  Body body;  // monostate for enquire_link(_resp), unbind(_resp), generic_nack

  bool IsResponse() const { return (command_id & cmd::kResponseBit) != 0; }
};

inline constexpr size_t kHeaderSize = 16;
// A PDU longer than this is refused as garbled: a submit_sm with a full
// message_payload stays far below it, and it bounds what one peer can make us buffer.
inline constexpr uint32_t kMaxPduLength = 64 * 1024;

// Serialises `pdu`; the body kind must match command_id (a mismatch throws
// std::invalid_argument: a programming error, never input-driven). Fields
// longer than the protocol allows also throw.
std::string Encode(const Pdu& pdu);

// The outcome of reading one PDU from a stream buffer.
struct DecodeResult {
  enum class Kind {
    kNeedMore,  // fewer bytes than one PDU: read more
    kPdu,       // `pdu` decoded; `consumed` bytes used
    kBadFrame,  // command_length out of range: the stream cannot be resynchronised
    kBadPdu,    // one PDU of `consumed` bytes could not be decoded; answer
                // generic_nack(`nack_status`, `pdu.sequence`) and go on
  };
  Kind kind = Kind::kNeedMore;
  Pdu pdu;
  size_t consumed = 0;
  uint32_t nack_status = 0;
  std::string error;  // kBadFrame, kBadPdu: one sentence
};

// Decodes the first PDU in `buffer`.
DecodeResult Decode(const std::string& buffer);

// A name for logs ("submit_sm_resp", "0x00000099").
std::string CommandName(uint32_t command_id);
// A name for a command_status ("ESME_RTHROTTLED (0x58)").
std::string StatusName(uint32_t command_status);

}  // namespace vikno::sms
