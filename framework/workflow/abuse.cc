#include "workflow/abuse.h"

#include <Poco/JSON/Object.h>

#include <algorithm>
#include <cctype>
#include <sstream>

#include "workflow/appeal_service.h"

namespace vikno {
namespace {

std::string ToJson(const Poco::JSON::Object& object) {
  std::ostringstream out;
  object.stringify(out);
  return out.str();
}

bool Blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

bool KnownChannel(const std::string& channel) {
  if (channel == kAllChannels) return true;
  const auto& known = AppealService::KnownChannels();
  return std::find(known.begin(), known.end(), channel) != known.end();
}

}  // namespace

Abuse::Abuse(Store& store, Clock& clock) : store_(store), clock_(clock) {}

Result<ResidentBlock> Abuse::Block(const std::string& resident_id, const std::string& channel,
                                   const std::string& reason, const std::string& approved_by,
                                   const Actor& actor) {
  if (actor.role != Role::kAdministrator && actor.role != Role::kModerator)
    return Refuse("forbidden", "administrators and moderators block residents");
  // R30: a moderator's block needs a decision maker's approval, named.
  if (actor.role == Role::kModerator && Blank(approved_by))
    return Refuse("approval_required", "name the decision maker who approved the block");
  if (!KnownChannel(channel))
    return Refuse("invalid_channel", "channel must be a known channel or \"all\"");
  if (Blank(reason)) return Refuse("missing_reason", "give the reason for the block");
  if (reason.size() > kMaxReasonBytes || !IsValidUtf8(reason))
    return Refuse("invalid_reason", "the reason is too long or not UTF-8");
  if (approved_by.size() > 255 || !IsValidUtf8(approved_by))
    return Refuse("invalid_approved_by", "approved_by is too long or not UTF-8");
  if (!store_.FindResident(resident_id))
    return Refuse("not_found", "resident '" + resident_id + "' not found");
  const Timestamp now = clock_.Now();
  ResidentBlock block{resident_id, channel, reason,
                      approved_by.empty() ? actor.id : approved_by, actor.id, now};
  Poco::JSON::Object details;
  details.set("channel", channel);
  details.set("reason", reason);
  details.set("approved_by", block.approved_by);
  return store_.BlockResident(
      block, AuditEntry::By(actor, now, "resident", resident_id, "block", ToJson(details)));
}

Result<Done> Abuse::Unblock(const std::string& resident_id, const std::string& channel,
                            const Actor& actor) {
  if (actor.role != Role::kAdministrator && actor.role != Role::kModerator)
    return Refuse("forbidden", "administrators and moderators unblock residents");
  const Timestamp now = clock_.Now();
  Poco::JSON::Object details;
  details.set("channel", channel);
  if (!store_.UnblockResident(
          resident_id, channel,
          AuditEntry::By(actor, now, "resident", resident_id, "unblock", ToJson(details))))
    return Refuse("not_found", "resident '" + resident_id + "' is not blocked on '" + channel + "'");
  return Done{};
}

Result<std::vector<ResidentBlock>> Abuse::List(const Actor& actor) {
  if (actor.role != Role::kAdministrator && actor.role != Role::kModerator &&
      actor.role != Role::kDecisionMaker)
    return Refuse("forbidden", "your role may not read the blocks");
  return store_.ListBlocks();
}

}  // namespace vikno
