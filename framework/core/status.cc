#include "core/status.h"

#include <array>

namespace vikno {
namespace {
// Colours of 000 §6.6 for the five statuses it names; the others take colours
// that cannot be confused with them.
constexpr std::array<StatusInfo, 10> kStatuses{{
    {Status::kNew, "new", "#d32f2f", false},                                    // red
    {Status::kInWork, "in_work", "#2e7d32", false},                             // green
    {Status::kAwaitingConfirmation, "awaiting_confirmation", "#29b6f6", false},  // light blue
    {Status::kCompleted, "completed", "#9e9e9e", true},                         // grey
    {Status::kNotConfirmed, "not_confirmed", "#fbc02d", false},                 // yellow
    {Status::kRejected, "rejected", "#4e342e", true},                           // dark brown
    {Status::kAwaitingDetails, "awaiting_details", "#f57c00", false},           // orange
    {Status::kCancelled, "cancelled", "#616161", true},                         // dark grey
    {Status::kReturnedForRework, "returned_for_rework", "#7b1fa2", false},      // purple
    {Status::kStrategicPlan, "strategic_plan", "#00796b", false},               // teal
}};
}  // namespace

const StatusInfo& Info(Status s) { return kStatuses[static_cast<size_t>(s)]; }
std::string_view StatusCode(Status s) { return Info(s).code; }

std::optional<Status> ParseStatus(std::string_view code) {
  for (const auto& info : kStatuses)
    if (info.code == code) return info.status;
  return std::nullopt;
}

std::span<const StatusInfo> AllStatuses() { return kStatuses; }

}  // namespace vikno
