// Staff passwords (issue 5): argon2id hashing with libargon2, the password
// policy, generated passwords and the random tokens of sessions.
//
// Thread-safety: every function may be called from any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vikno::http {

// argon2id cost. The defaults keep one login around 50-100 ms on the 2-core
// demo machine (measured: t=2, m=32 MiB, p=1 takes ~80 ms) while a GPU
// attacker pays 32 MiB per guess.
struct Argon2Params {
  uint32_t time_cost = 2;
  uint32_t memory_kib = 32 * 1024;
  uint32_t parallelism = 1;
};

// The encoded string "$argon2id$v=19$m=...,t=...,p=...$salt$hash" of
// `password` with a fresh 16-byte random salt. Throws std::runtime_error when
// libargon2 fails (out of memory).
std::string HashPassword(std::string_view password, const Argon2Params& params);

// True when `encoded` is an argon2id string and `password` matches it.
// Anything else (another algorithm, a malformed string) is false.
bool VerifyPassword(std::string_view password, const std::string& encoded);

// True when `encoded` was made with other parameters than `params`: the
// login that just verified it rehashes the password.
bool NeedsRehash(const std::string& encoded, const Argon2Params& params);

// The reason `password` is refused for `login`, or nullopt when it is
// acceptable: at least 12 characters (code points), at most 256 bytes, not
// the login, not one of the common passwords, not all one character.
std::optional<std::string> PasswordProblem(std::string_view password, std::string_view login);

// A generated password: 16 characters from an alphabet without look-alikes
// (no 0/O, 1/l/I), ~92 bits, which the policy above always accepts.
std::string GeneratePassword();

// `bytes` random bytes from the kernel (getrandom), base64url without padding.
// Throws std::runtime_error if the kernel gives none.
std::string RandomToken(size_t bytes = 32);

// The lower-case hex SHA-256 of `text` (session tokens are stored this way).
std::string Sha256Hex(std::string_view text);

// Compares without an early exit, so the time does not tell how much of a
// secret matched.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace vikno::http
