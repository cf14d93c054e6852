// SMS payload rules: UCS-2 (UTF-16BE on the wire, data_coding 8) for
// Cyrillic, splitting a long text into concatenated parts with a UDH
// (3GPP TS 23.040 §9.2.3.24.1 / .8), parsing incoming UDHs, delivery receipt
// texts (SMPP 3.4 Appendix B) and phone numbers in E.164.
//
// Thread-safety: pure functions over values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vikno::sms {

// UTF-8 → UTF-16 code units; nullopt when `utf8` is not valid UTF-8
// (overlong forms, surrogates and values above U+10FFFF are invalid).
std::optional<std::u16string> Utf8ToUtf16(const std::string& utf8);
// UTF-16 → UTF-8; an unpaired surrogate becomes U+FFFD, so a garbled MO is
// still readable rather than refused.
std::string Utf16ToUtf8(const std::u16string& utf16);

// The GSM 03.38 default alphabet, one septet per octet (how SMPP carries
// data_coding 0 unpacked), with the 0x1B extension table; unknown codes
// become U+FFFD.
std::u16string DecodeGsmUnpacked(const std::string& octets);
// ISO 8859-1 octets (data_coding 3).
std::u16string DecodeLatin1(const std::string& octets);

// UCS-2/UTF-16 big-endian octets, as carried with data_coding 8. An odd
// trailing octet is dropped by FromUcs2Be.
std::string ToUcs2Be(const std::u16string& text);
std::u16string FromUcs2Be(const std::string& octets);

// Code units per SMS (140 octets of UCS-2).
inline constexpr size_t kUcs2Single = 70;
// Per part with the 6-octet UDH (8-bit reference): 134 octets / 2.
inline constexpr size_t kUcs2PerPart8 = 67;
// Per part with the 7-octet UDH (16-bit reference): 133 octets / 2, rounded down.
inline constexpr size_t kUcs2PerPart16 = 66;

// `text` as SMS payloads: one piece when it fits 70 units, else pieces of at
// most 67 (66 with a 16-bit reference) units, never ending a piece between
// the two halves of a surrogate pair.
std::vector<std::u16string> SplitUcs2(const std::u16string& text, bool sixteen_bit_ref);

// The concatenation UDH, length octet included: 05 00 03 ref total seq, or
// 06 08 04 refhi reflo total seq.
std::string ConcatUdh(uint16_t ref, uint8_t total, uint8_t seq, bool sixteen_bit_ref);

struct ConcatInfo {
  uint16_t ref = 0;
  uint8_t total = 0;
  uint8_t seq = 0;
  bool sixteen_bit = false;
};

// A short_message split into its UDH (when esm_class has UDHI) and payload.
struct UdhSplit {
  bool ok = true;                    // false: the UDH length runs past the message
  std::optional<ConcatInfo> concat;  // set when a valid concatenation IE was present
  std::string payload;               // the octets after the UDH
};
UdhSplit SplitUdh(const std::string& short_message, bool has_udhi);

// A delivery receipt (esm_class 0x04): the id it is about and its outcome.
struct Receipt {
  enum class Outcome { kDelivered, kFailed, kPending };
  std::string message_id;  // as the SMSC wrote it (text "id:" or TLV 0x001E)
  std::string stat;        // DELIVRD, UNDELIV, EXPIRED, REJECTD, DELETED, ENROUTE, ACCEPTD, UNKNOWN
  Outcome outcome = Outcome::kPending;
  std::string error;  // "err:" value
};
// From the receipt text and, when present, the TLVs receipted_message_id and
// message_state (which win over the text). nullopt when no id is found.
std::optional<Receipt> ParseReceipt(const std::string& text,
                                    const std::optional<std::string>& tlv_message_id,
                                    std::optional<uint8_t> tlv_message_state);

// How the SMSC writes ids in receipts compared with submit_sm_resp (the id
// "can be hex or decimal depending on the SMSC" — CHANNELS.md §3).
enum class ReceiptIdForm { kSame, kSubmitHexReceiptDecimal, kSubmitDecimalReceiptHex };
// The receipt's id in the form submit_sm_resp used; nullopt when it does not parse.
std::optional<std::string> NormalizeReceiptId(const std::string& id, ReceiptIdForm form);

// A sender address as a chat id: "+<digits>" (E.164) for international
// (TON 1) numbers and for national ones when `country_code` is set
// (national "0501234567" with "380" → "+380501234567"); an alphanumeric or
// otherwise unparseable sender is returned as written.
std::string ChatIdFromAddress(const std::string& addr, uint8_t ton,
                              const std::string& country_code);
// An E.164 chat id ("+380501234567") as a destination: the digits, to be
// sent with TON 1 / NPI 1; nullopt when it is not "+" and 7..15 digits.
std::optional<std::string> DestinationFromChatId(const std::string& chat_id);

// FNV-1a 64 as 16 hex digits: a short stable digest for provider ids.
std::string Fnv1aHex(const std::string& data);

}  // namespace vikno::sms
