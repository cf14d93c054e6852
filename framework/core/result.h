// Result<T>: the value of an operation whose failure is an expected outcome
// (a refused transition, a missing reason, a stale write), not a fault.
// Marked [[nodiscard]] so a caller cannot silently drop a refusal.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace vikno {

// Why an operation was refused. `code` is stable and machine-readable
// (e.g. "illegal_transition"); `message` is an English sentence for logs and
// API clients. User-facing wording comes from the messages files by `code`.
struct Refusal {
  std::string code;
  std::string message;
};

// Stand-in value for operations that return nothing on success.
struct Done {};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Refusal refusal) : v_(std::in_place_index<1>, std::move(refusal)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  const T& value() const& { return std::get<0>(v_); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const T* operator->() const { return &std::get<0>(v_); }

  // Only valid when !ok().
  const Refusal& refusal() const { return std::get<1>(v_); }

 private:
  std::variant<T, Refusal> v_;
};

inline Refusal Refuse(std::string code, std::string message) {
  return Refusal{std::move(code), std::move(message)};
}

}  // namespace vikno
