#include "core/transitions.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace vikno {
namespace {

using enum Status;
constexpr Role kRes = Role::kResident, kOp = Role::kOperator, kMod = Role::kModerator,
               kExe = Role::kExecutor, kDm = Role::kDecisionMaker, kAdm = Role::kAdministrator,
               kSys = Role::kSystem;

constexpr TransitionRule kRules[] = {
    // Moderation of a new appeal (000 §6.6.2, §5.4).
    {"take_into_work", kNew, kInWork, {kMod, kExe, kOp, kDm, kAdm}, Needs::kNothing, "000 §6.6.2-6.6.3"},
    {"reject", kNew, kRejected, {kMod, kOp, kDm, kAdm}, Needs::kReason, "000 §5.3.9, §5.4.5; 002 §5.8"},
    {"ask_details", kNew, kAwaitingDetails, {kMod, kOp, kDm, kAdm}, Needs::kQuestion, "000 §5.4.6"},
    // The resident's answer returns the card to the moderators' queue.
    {"provide_details", kAwaitingDetails, kNew, {kRes, kOp}, Needs::kResidentReply, "000 §5.4.6"},
    {"reject", kAwaitingDetails, kRejected, {kMod, kOp, kDm, kAdm, kSys}, Needs::kReason, "000 §5.4.5"},
    // Work.
    {"reject", kInWork, kRejected, {kMod, kDm, kAdm}, Needs::kReason, "000 §5.4.5"},
    {"include_in_plan", kInWork, kStrategicPlan, {kDm, kAdm}, Needs::kReason, "001 §4.6; 003 §2.4"},
    {"take_into_work", kStrategicPlan, kInWork, {kDm, kAdm}, Needs::kNothing, "001 §4.6"},
    {"send_for_confirmation", kInWork, kAwaitingConfirmation, {kExe, kMod, kDm, kAdm}, Needs::kAnswerToResident, "000 §6.6.4; 002 §7.5"},
    {"send_for_confirmation", kStrategicPlan, kAwaitingConfirmation, {kExe, kMod, kDm, kAdm}, Needs::kAnswerToResident, "001 §4.6"},
    {"send_for_confirmation", kReturnedForRework, kAwaitingConfirmation, {kExe, kMod, kDm, kAdm}, Needs::kAnswerToResident, "001 §6.2"},
    {"take_into_work", kReturnedForRework, kInWork, {kExe, kMod, kDm, kAdm}, Needs::kNothing, "001 §6.2"},
    // Closing (R18).
    {"confirm", kAwaitingConfirmation, kCompleted, {kRes}, Needs::kNothing, "000 §6.6.5"},
    {"confirm_by_phone", kAwaitingConfirmation, kCompleted, {kOp, kMod, kDm, kAdm}, Needs::kCallNote, "002 §6.1.5"},
    {"confirm_by_timeout", kAwaitingConfirmation, kCompleted, {kSys}, Needs::kNothing, "B4: silence completes"},
    {"not_confirm", kAwaitingConfirmation, kNotConfirmed, {kRes}, Needs::kNothing, "000 §6.6.6"},
    {"not_confirm_by_phone", kAwaitingConfirmation, kNotConfirmed, {kOp, kMod, kDm, kAdm}, Needs::kCallNote, "002 §6.1.5"},
    {"return_for_rework", kAwaitingConfirmation, kReturnedForRework, {kDm, kAdm}, Needs::kReason, "002 §6.3.3"},
    {"return_for_rework", kNotConfirmed, kReturnedForRework, {kMod, kDm, kAdm, kSys}, Needs::kReason, "001 §7; 002 §7.7"},
    {"close", kNotConfirmed, kCompleted, {kDm, kAdm}, Needs::kReason, "001 §2, §7"},
    // The resident may withdraw an appeal at any stage before it is closed (002 §3.4).
    {"cancel", kNew, kCancelled, {kRes, kOp, kAdm}, Needs::kNothing, "002 §3.4"},
    {"cancel", kAwaitingDetails, kCancelled, {kRes, kOp, kAdm}, Needs::kNothing, "002 §3.4"},
    {"cancel", kInWork, kCancelled, {kRes, kOp, kAdm}, Needs::kNothing, "002 §3.4"},
    {"cancel", kReturnedForRework, kCancelled, {kRes, kOp, kAdm}, Needs::kNothing, "002 §3.4"},
    {"cancel", kStrategicPlan, kCancelled, {kRes, kOp, kAdm}, Needs::kNothing, "002 §3.4"},
    {"cancel", kAwaitingConfirmation, kCancelled, {kRes, kOp, kAdm}, Needs::kNothing, "002 §3.4"},
    {"cancel", kNotConfirmed, kCancelled, {kRes, kOp, kAdm}, Needs::kNothing, "002 §3.4"},
};

bool IsBlank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isspace(c) != 0; });
}

}  // namespace

std::string_view NeedsCode(Needs n) {
  switch (n) {
    case Needs::kNothing: return "nothing";
    case Needs::kReason: return "reason";
    case Needs::kQuestion: return "question";
    case Needs::kResidentReply: return "resident_reply";
    case Needs::kAnswerToResident: return "answer_to_resident";
    case Needs::kCallNote: return "call_note";
  }
  return "unknown";
}

std::span<const TransitionRule> AllTransitions() { return kRules; }

Result<const TransitionRule*> CheckTransition(Status current, const TransitionRequest& request) {
  const TransitionRule* rule = nullptr;
  bool action_known = false;
  for (const auto& r : kRules) {
    if (r.action != request.action) continue;
    action_known = true;
    if (r.from == current) {
      rule = &r;
      break;
    }
  }
  if (!action_known)
    return Refuse("unknown_action", "unknown action '" + request.action + "'");
  if (rule == nullptr)
    return Refuse("illegal_transition", "action '" + request.action + "' is not allowed from status '" +
                                            std::string(StatusCode(current)) + "'");
  if (!rule->roles.Has(request.actor))
    return Refuse("role_not_allowed", "role '" + std::string(RoleCode(request.actor)) +
                                          "' may not '" + request.action + "' from '" +
                                          std::string(StatusCode(current)) + "'");
  if (rule->needs != Needs::kNothing && IsBlank(request.note))
    return Refuse("missing_" + std::string(NeedsCode(rule->needs)),
                  "action '" + request.action + "' needs a " + std::string(NeedsCode(rule->needs)));
  return rule;
}

}  // namespace vikno
