// Time-based one-time passwords for the staff's second factor (B10):
// RFC 6238 TOTP over RFC 4226 HOTP with HMAC-SHA1, a 30-second step and six
// digits, which every authenticator app (Google Authenticator, FreeOTP,
// Aegis, Microsoft Authenticator) speaks; the secret travels to the app as
// RFC 4648 base32 in an otpauth:// URI. The secret is sealed at rest with
// AES-256-GCM when a key is configured (accounts.two_factor.secret_key).
//
// HMAC-SHA1 is Poco's HMACEngine<SHA1Engine>; AES-GCM and the random bytes
// are OpenSSL's (linked through Poco's NetSSL already). Nothing here is a
// home-made primitive.
//
// Thread-safety: every function may be called from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vikno::http::totp {

inline constexpr int kStepSeconds = 30;  // RFC 6238 §4.1 default X
inline constexpr int kDigits = 6;
inline constexpr size_t kSecretBytes = 20;  // 160 bits: RFC 4226 §4 R6 recommends it

// `bytes` bytes from OpenSSL's CSPRNG. Throws std::runtime_error on failure.
std::string RandomBytes(size_t bytes);

// RFC 4648 base32 (A-Z, 2-7) without padding, as authenticator apps expect.
std::string Base32Encode(std::string_view bytes);
// Accepts upper or lower case, ignores spaces and '=' padding; nullopt on any
// other character.
std::optional<std::string> Base32Decode(std::string_view text);

// RFC 4226 HOTP value of `counter`, `digits` long (zero-padded).
std::string Hotp(std::string_view secret, uint64_t counter, int digits = kDigits);

// The time step of a Unix time (RFC 6238 §4.2, T0 = 0).
int64_t StepOf(int64_t unix_seconds);

// The step, within `window` steps either side of now's, whose code is `code`;
// nullopt when none matches or `code` is not exactly six digits. Every step of
// the window is computed and compared without an early exit.
std::optional<int64_t> MatchingStep(std::string_view secret, std::string_view code,
                                    int64_t unix_seconds, int window = 1);

// "otpauth://totp/<issuer>:<account>?secret=...&issuer=...&algorithm=SHA1&digits=6&period=30",
// the label and parameters percent-encoded (Key Uri Format of Google
// Authenticator, which the other apps follow).
std::string OtpauthUri(const std::string& issuer, const std::string& account,
                       std::string_view secret);

// The QR code of `text` (libqrencode, error correction M, 8-bit mode) as
// rows of '1' (dark) and '0' modules, for the panel to draw as SVG; empty
// when the text does not fit a QR code.
std::vector<std::string> QrRows(const std::string& text);

// Sealing of the secret at rest. With an empty `key` the secret is kept as
// "plain:<base32>" (docs/two-factor.md names it a known limit); with a key,
// "aes256gcm:<base64 of nonce|ciphertext|tag>" under SHA-256(key), with
// `bound_to` (the user id) as associated data so a sealed secret moved to
// another account's row does not open.
std::string Seal(std::string_view secret, const std::string& key, const std::string& bound_to);
// The secret, or nullopt when the text is malformed, was sealed with another
// key or for another row, or is sealed and no key is configured.
std::optional<std::string> Open(const std::string& sealed, const std::string& key,
                                const std::string& bound_to);

}  // namespace vikno::http::totp
