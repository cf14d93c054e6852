// Chat ids and their tokens for the web chat. A browser gets a random chat
// id and token = HMAC-SHA256(secret, chat id) from POST /hooks/web/session
// and shows both on every later request. Nothing about a chat is stored to
// check a token: the secret alone decides, so a restart or a second host
// with the same secret accepts the same browsers.
//
// Thread-safety: a ChatAuth is immutable after construction; every method
// may be called from any thread.
#pragma once

#include <string>
#include <string_view>

namespace vikno::web {

// Compares two strings in time that depends only on their lengths, so a
// forger learns nothing from how long a wrong token takes to refuse.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// `bytes` random bytes from the kernel (getrandom), as lower-case hex.
// Throws std::runtime_error when the kernel cannot give them.
std::string RandomHex(size_t bytes);

// HMAC-SHA256(key, message), lower-case hex (64 characters).
std::string HmacSha256Hex(const std::string& key, const std::string& message);

class ChatAuth {
 public:
  explicit ChatAuth(std::string secret) : secret_(std::move(secret)) {}

  // A new chat id: 128 random bits as 32 lower-case hex characters.
  static std::string NewChatId() { return RandomHex(16); }
  // True for exactly 32 lower-case hex characters (what NewChatId makes);
  // chat ids are also file names of the mailboxes, so nothing else passes.
  static bool IsChatId(std::string_view chat);

  std::string Token(const std::string& chat) const { return HmacSha256Hex(secret_, chat); }
  // True when `token` is Token(chat) and `chat` is well-formed.
  bool Check(const std::string& chat, const std::string& token) const;

 private:
  std::string secret_;
};

}  // namespace vikno::web
