// The JSON shapes of the REST API /api/v1: snake_case names, times as ISO 8601
// UTC ("2026-11-22T15:04:05Z") or null, ids as numbers, appeal numbers as
// strings, absent optional values as null.
#pragma once

#include <Poco/JSON/Object.h>

#include <string>

#include "core/appeal.h"
#include "core/audit.h"
#include "core/result.h"
#include "store/store.h"
#include "workflow/appeal_service.h"

namespace vikno::http {

Poco::JSON::Object::Ptr AppealJson(const Appeal& appeal, Timestamp now);
Poco::JSON::Object::Ptr CommentJson(const Comment& comment);
Poco::JSON::Object::Ptr AttachmentJson(const Attachment& attachment);
Poco::JSON::Object::Ptr AuditJson(const AuditEntry& entry);
// The appeal's fields plus "comments", "attachments" and "timeline".
Poco::JSON::Object::Ptr CardJson(const AppealCard& card, Timestamp now);

std::string Stringify(const Poco::JSON::Object::Ptr& object);
// {"error":{"code":...,"message":...}}
std::string ErrorJson(const std::string& code, const std::string& message);

// The HTTP status of a workflow refusal: not_found 404; forbidden 403;
// illegal_transition and stale 409; missing_* 422; everything else 400.
int StatusOf(const Refusal& refusal);

}  // namespace vikno::http
