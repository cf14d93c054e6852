#include "workflow/knowledge_base.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <cctype>
#include <sstream>

#include "core/phone.h"
#include "workflow/appeal_service.h"  // IsValidUtf8

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

std::optional<Refusal> CheckText(const std::string& text, size_t max_bytes, const std::string& what,
                                 bool required) {
  if (required && Blank(text)) return Refuse("missing_" + what, what + " is empty");
  if (text.size() > max_bytes)
    return Refuse("invalid_" + what,
                  what + " is longer than " + std::to_string(max_bytes) + " bytes");
  if (!IsValidUtf8(text)) return Refuse("invalid_" + what, what + " is not valid UTF-8");
  return std::nullopt;
}

bool IsStaff(Role r) {
  return r == Role::kOperator || r == Role::kModerator || r == Role::kExecutor ||
         r == Role::kDecisionMaker || r == Role::kAdministrator;
}

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::vector<std::string> Words(const std::string& folded) {
  std::vector<std::string> out;
  std::string word;
  for (char c : folded) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == ',' || c == '.') {
      if (!word.empty()) out.push_back(std::move(word));
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty()) out.push_back(std::move(word));
  return out;
}

Refusal Forbidden(const std::string& what) { return Refuse("forbidden", "your role may not " + what); }

std::optional<Refusal> CheckEntry(const KbEntry& e) {
  if (auto bad = CheckText(e.title, KnowledgeBase::kMaxTitleBytes, "title", true)) return bad;
  if (auto bad = CheckText(e.body, KnowledgeBase::kMaxBodyBytes, "body", false)) return bad;
  if (auto bad = CheckText(e.state_body, KnowledgeBase::kMaxTitleBytes, "state_body", false))
    return bad;
  if (e.tags.size() > KnowledgeBase::kMaxTags)
    return Refuse("invalid_tags", "at most " + std::to_string(KnowledgeBase::kMaxTags) + " tags");
  for (const auto& t : e.tags) {
    if (Blank(t) || t.size() > 64 || t.find('\n') != std::string::npos || !IsValidUtf8(t))
      return Refuse("invalid_tags", "a tag is a non-empty line of at most 64 bytes");
  }
  return std::nullopt;
}

std::string EntryDetails(const KbEntry& e) {
  Poco::JSON::Object details;
  details.set("title", e.title);
  details.set("state_body", e.state_body);
  Poco::JSON::Array::Ptr tags = new Poco::JSON::Array;
  for (const auto& t : e.tags) tags->add(t);
  details.set("tags", tags);
  return ToJson(details);
}

}  // namespace

KnowledgeBase::KnowledgeBase(Store& store, Clock& clock) : store_(store), clock_(clock) {}

std::string KnowledgeBase::Fold(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      out += static_cast<char>(std::tolower(c));
      ++i;
      continue;
    }
    int len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
    if (len == 1 || i + len > text.size()) {  // not UTF-8: keep the byte
      out += text[i++];
      continue;
    }
    uint32_t cp = len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    if (cp >= 0x0410 && cp <= 0x042F) cp += 0x20;       // А..Я
    else if (cp >= 0x0400 && cp <= 0x040F) cp += 0x50;  // Ѐ..Џ: Є, І, Ї
    else if (cp == 0x0490) cp = 0x0491;                 // Ґ
    else if (cp == 0x2019 || cp == 0x02BC) cp = '\'';   // apostrophes as typed
    AppendUtf8(out, cp);
    i += len;
  }
  return out;
}

std::string KnowledgeBase::NormalizePhone(const std::string& phone) {
  // One E.164 form with the conversation (core/phone.h), so a caller found
  // by phone is the resident who shared it in a chat (R4, B13).
  if (auto e164 = ::vikno::NormalizePhone(phone)) return *e164;
  std::string digits;
  for (char c : phone)
    if (std::isdigit(static_cast<unsigned char>(c))) digits += c;
  if (digits.empty()) return "";
  const size_t first = phone.find_first_not_of(' ');
  const bool plus = first != std::string::npos && phone[first] == '+';
  // Ukrainian numbers: 12 digits from 380, or 10 from 0 (a local form).
  if (digits.size() == 12 && digits.rfind("380", 0) == 0) return "+" + digits;
  if (digits.size() == 10 && digits[0] == '0') return "+38" + digits;
  return plus ? "+" + digits : digits;
}

Result<std::vector<KbEntry>> KnowledgeBase::Search(const std::string& query, int limit,
                                                   const Actor& actor) {
  if (!IsStaff(actor.role)) return Forbidden("read the knowledge base");
  const auto words = Words(Fold(query));
  std::vector<KbEntry> out;
  for (auto& e : store_.ListKbEntries()) {
    if (static_cast<int>(out.size()) >= limit) break;
    std::string hay = e.title + "\n" + e.body + "\n" + e.state_body;
    for (const auto& t : e.tags) hay += "\n" + t;
    hay = Fold(hay);
    bool all = true;
    for (const auto& w : words) all = all && hay.find(w) != std::string::npos;
    if (all) out.push_back(std::move(e));
  }
  return out;
}

Result<KbEntry> KnowledgeBase::Get(int64_t id, const Actor& actor) {
  if (!IsStaff(actor.role)) return Forbidden("read the knowledge base");
  auto e = store_.FindKbEntry(id);
  if (!e) return Refuse("not_found", "knowledge base entry " + std::to_string(id) + " not found");
  return std::move(*e);
}

Result<KbEntry> KnowledgeBase::Add(KbEntry entry, const Actor& actor) {
  if (actor.role != Role::kAdministrator) return Forbidden("edit the knowledge base");
  if (auto bad = CheckEntry(entry)) return *bad;
  const Timestamp now = clock_.Now();
  entry.id = 0;
  entry.updated_by = actor.id;
  entry.updated_at = now;
  return store_.AddKbEntry(entry, AuditEntry::By(actor, now, "kb", "", "create", EntryDetails(entry)));
}

Result<KbEntry> KnowledgeBase::Update(KbEntry entry, const Actor& actor) {
  if (actor.role != Role::kAdministrator) return Forbidden("edit the knowledge base");
  if (auto bad = CheckEntry(entry)) return *bad;
  const Timestamp now = clock_.Now();
  entry.updated_by = actor.id;
  entry.updated_at = now;
  if (!store_.UpdateKbEntry(entry, AuditEntry::By(actor, now, "kb", std::to_string(entry.id),
                                                  "update", EntryDetails(entry))))
    return Refuse("not_found", "knowledge base entry " + std::to_string(entry.id) + " not found");
  return entry;
}

Result<Done> KnowledgeBase::Remove(int64_t id, const Actor& actor) {
  if (actor.role != Role::kAdministrator) return Forbidden("edit the knowledge base");
  const Timestamp now = clock_.Now();
  if (!store_.DeleteKbEntry(id, AuditEntry::By(actor, now, "kb", std::to_string(id), "delete")))
    return Refuse("not_found", "knowledge base entry " + std::to_string(id) + " not found");
  return Done{};
}

Result<Consultation> KnowledgeBase::Consult(const std::string& phone,
                                            const std::string& resident_id, int64_t kb_id,
                                            const std::string& note, const Actor& actor) {
  if (actor.role != Role::kOperator && actor.role != Role::kAdministrator)
    return Forbidden("record consultations");
  const std::string normalized = NormalizePhone(phone);
  if (normalized.empty() && resident_id.empty())
    return Refuse("missing_caller", "give the caller's phone or resident id");
  if (!resident_id.empty() && !store_.FindResident(resident_id))
    return Refuse("invalid_resident", "resident '" + resident_id + "' not found");
  auto entry = store_.FindKbEntry(kb_id);
  if (!entry) return Refuse("invalid_kb", "knowledge base entry " + std::to_string(kb_id) + " not found");
  if (auto bad = CheckText(note, 4000, "note", false)) return *bad;
  const Timestamp now = clock_.Now();
  Consultation c;
  c.resident_id = resident_id;
  c.phone = normalized;
  c.kb_id = kb_id;
  c.note = note;
  c.recorded_by = actor.id;
  c.recorded_at = now;
  Poco::JSON::Object details;
  details.set("kb_id", kb_id);
  details.set("kb_title", entry->title);
  details.set("state_body", entry->state_body);  // R13: where the caller was referred
  details.set("resident_id", resident_id);
  return store_.AddConsultation(
      c, AuditEntry::By(actor, now, "consultation", "", "create", ToJson(details)));
}

Result<std::vector<Consultation>> KnowledgeBase::Consultations(const std::string& phone,
                                                               const std::string& resident_id,
                                                               const Actor& actor) {
  if (actor.role != Role::kOperator && actor.role != Role::kAdministrator)
    return Forbidden("read consultations");
  const std::string normalized = NormalizePhone(phone);
  if (normalized.empty() && resident_id.empty())
    return Refuse("missing_caller", "give the caller's phone or resident id");
  return store_.ListConsultations(normalized, resident_id, 100);
}

Result<std::vector<CallerRecord>> KnowledgeBase::CallerByPhone(const std::string& phone,
                                                               const Actor& actor) {
  if (actor.role != Role::kOperator && actor.role != Role::kAdministrator)
    return Forbidden("look callers up");
  const std::string normalized = NormalizePhone(phone);
  if (normalized.empty()) return Refuse("invalid_phone", "the phone number has no digits");
  std::vector<Resident> residents = store_.FindResidentsByPhone(normalized);
  // Numbers stored as typed before normalisation: try the raw form too.
  if (normalized != phone)
    for (auto& r : store_.FindResidentsByPhone(phone)) {
      bool seen = false;
      for (const auto& x : residents) seen = seen || x.id == r.id;
      if (!seen) residents.push_back(std::move(r));
    }
  std::vector<CallerRecord> out;
  for (auto& r : residents) {
    AppealQuery q;
    q.resident_id = r.id;
    q.limit = 50;
    q.now = clock_.Now();
    out.push_back(CallerRecord{std::move(r), store_.ListAppeals(q).items});
  }
  return out;
}

Result<std::vector<Executor>> KnowledgeBase::Directory(const Actor& actor) {
  if (!IsStaff(actor.role)) return Forbidden("read the directory");
  return store_.ListExecutors();
}

Result<Executor> KnowledgeBase::UpdateContacts(const std::string& executor_id,
                                               const std::string& phone, const std::string& email,
                                               const std::string& head, const Actor& actor) {
  if (actor.role != Role::kAdministrator) return Forbidden("edit the directory");
  for (const auto* f : {&phone, &email, &head})
    if (auto bad = CheckText(*f, 255, "field", false)) return *bad;
  const Timestamp now = clock_.Now();
  Poco::JSON::Object details;
  details.set("phone", phone);
  details.set("email", email);
  details.set("head", head);
  if (!store_.UpdateExecutorContacts(
          executor_id, phone, email, head,
          AuditEntry::By(actor, now, "executor", executor_id, "update_contacts", ToJson(details))))
    return Refuse("not_found", "service '" + executor_id + "' not found");
  return std::move(*store_.FindExecutor(executor_id));
}

}  // namespace vikno
