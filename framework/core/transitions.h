// The status machine of R14 as one explicit table: for each action, from which
// status to which, which roles may take it, and what data it needs. Everything
// that changes an appeal's status goes through CheckTransition; there is no
// other path.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/role.h"
#include "core/status.h"

namespace vikno {

// The data a transition cannot be taken without. The text travels in
// TransitionRequest::note; this says what it must mean.
enum class Needs : uint8_t {
  kNothing,
  kReason,            // why: a rejection, a return for rework, a plan inclusion
  kQuestion,          // what the resident must clarify (000 §5.4.6)
  kResidentReply,     // the resident's answer to that question
  kAnswerToResident,  // the executor's answer on what was done (002 §7.5)
  kCallNote,          // what the resident said on the phone (002 §6.1.5)
};

std::string_view NeedsCode(Needs n);  // "reason", "question", ...

struct TransitionRule {
  std::string_view action;  // "take_into_work", "reject", ...
  Status from;
  Status to;
  RoleSet roles;
  Needs needs;
  std::string_view basis;  // the regulation clause it encodes
};

struct TransitionRequest {
  std::string action;
  Role actor = Role::kSystem;
  std::string note;  // the reason, question, answer... that `needs` asks for
};

// The whole table, for documentation, the panel's action menus and tests.
std::span<const TransitionRule> AllTransitions();

// Finds the rule for `request` from `current` and checks role and data.
// Refusal codes: "unknown_action", "illegal_transition" (the action exists but
// not from this status), "role_not_allowed", "missing_<needs>" (e.g.
// "missing_reason").
Result<const TransitionRule*> CheckTransition(Status current, const TransitionRequest& request);

}  // namespace vikno
