// The SQL both backends share for the events concern (event_store.h): the
// columns of an event row and the WHERE clause of the events page, built
// with placeholders only (every value bound, never spliced in). Internal to
// framework/store.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "core/time.h"
#include "store/event_store.h"

namespace vikno::event_sql {

constexpr const char* kEventColumns =
    "e.id, e.kind, e.reason, e.executor_id, e.starts_at, e.ends_at, e.end_is_approximate, "
    "e.created_by, e.created_at, e.revision, e.updated_by, e.updated_at, e.short_notice_reason, "
    "e.end_announced_at, e.deleted_at, e.deleted_by";

constexpr const char* kAddressColumns =
    "registry_id, city, district, street, house, flat, entrance, lat, lon";

// A value to bind, in placeholder order.
using Param = std::variant<int64_t, std::string>;

struct Where {
  std::string sql;  // "e.deleted_at IS NULL AND ..."
  std::vector<Param> params;
};

// EventQuery's filters (see event_store.h for their meaning).
inline Where BuildWhere(const EventQuery& q) {
  Where w;
  w.sql = "e.deleted_at IS NULL";
  auto add = [&w](const std::string& cond) { w.sql += " AND " + cond; };
  if (q.from) {
    add("(e.ends_at IS NULL OR e.ends_at > ?)");
    w.params.emplace_back(ToUnix(*q.from));
  }
  if (q.to) {
    add("e.starts_at < ?");
    w.params.emplace_back(ToUnix(*q.to));
  }
  if (!q.executor_id.empty()) {
    add("e.executor_id = ?");
    w.params.emplace_back(q.executor_id);
  }
  if (q.services) {
    if (q.services->empty()) {
      add("1 = 0");  // a scope with no service sees nothing
    } else {
      std::string in;
      for (const auto& s : *q.services) {
        in += in.empty() ? "?" : ", ?";
        w.params.emplace_back(s);
      }
      add("e.executor_id IN (" + in + ")");
    }
  }
  if (q.registry_id || !q.street.empty()) {
    std::string any;
    if (q.registry_id) {
      any = "ea.registry_id = ?";
      w.params.emplace_back(*q.registry_id);
    }
    if (!q.street.empty()) {
      if (!any.empty()) any += " OR ";
      if (q.house.empty()) {
        any += "ea.street = ?";
        w.params.emplace_back(q.street);
      } else {
        any += "(ea.street = ? AND (ea.house = '' OR ea.house = ?))";
        w.params.emplace_back(q.street);
        w.params.emplace_back(q.house);
      }
    }
    add("EXISTS (SELECT 1 FROM event_addresses ea WHERE ea.event_id = e.id AND (" + any + "))");
  }
  if (q.status) {
    if (*q.status == EventStatus::kCompleted) {
      add("(e.ends_at IS NOT NULL AND e.ends_at <= ?)");
    } else {
      add("(e.ends_at IS NULL OR e.ends_at > ?)");
    }
    w.params.emplace_back(ToUnix(q.now));
  }
  if (q.kind) {
    add("e.kind = ?");
    w.params.emplace_back(std::string(EventKindCode(*q.kind)));
  }
  return w;
}

// R23, B3: the subscribed bindings of residents with a saved address an
// event covers, except those blocked on that channel or on "all" (R30: one
// polite refusal and nothing else; a lifted block is a deleted row). One
// placeholder: the event id.
constexpr const char* kSubscribersSql =
    "SELECT DISTINCT rc.resident_id, rc.channel, rc.chat_id FROM events e "
    "JOIN event_addresses ea ON ea.event_id = e.id "
    "JOIN resident_addresses ra ON (ea.registry_id IS NOT NULL AND ra.registry_id = "
    "ea.registry_id) OR (ea.street <> '' AND ra.street = ea.street AND (ea.house = '' OR "
    "ra.house = ea.house)) "
    "JOIN resident_channels rc ON rc.resident_id = ra.resident_id AND rc.subscribed = 1 "
    "WHERE e.id = ? AND e.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM resident_blocks b "
    "WHERE b.resident_id = rc.resident_id AND b.channel IN (rc.channel, 'all')) "
    "ORDER BY rc.resident_id, rc.channel";

inline int ClampLimit(int limit) { return limit < 1 ? 1 : (limit > 1000 ? 1000 : limit); }

}  // namespace vikno::event_sql
