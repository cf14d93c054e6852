#include "workflow/retention.h"

#include <gtest/gtest.h>

#include "files/file_store.h"
#include "unit/workflow/workflow_fixture.h"

namespace vikno::testing {
namespace {

using namespace std::chrono_literals;

// A small but real PNG header so the file store's sniffing accepts it; the
// tail makes each file's content (and so its hash) distinct.
std::string Png(const std::string& tail) {
  std::string bytes("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0", 33);
  return bytes + tail;
}

class RetentionTest : public WorkflowTest {
 protected:
  RetentionTest() : files_(dir_ / "data", FilesConfig{}), retention_(*store_, files_, clock_) {}

  std::string Attach(const Appeal& a, const std::string& bytes) {
    auto stored = files_.Put(bytes, "image/png", "photo.png");
    EXPECT_TRUE(stored.ok()) << (stored.ok() ? "" : stored.refusal().message);
    Attachment att;
    att.appeal_id = a.id;
    att.sha256 = stored->sha256;
    att.media_type = stored->content_type;
    att.size = stored->size;
    att.original_name = "photo.png";
    att.uploaded_by = "op-1";
    att.created_at = clock_.Now();
    store_->AddAttachment(
        att, AuditEntry::By(Operator(), clock_.Now(), "appeal", std::to_string(a.id), "attach"));
    return stored->sha256;
  }

  Appeal Closed(const std::string& text) {
    NewAppeal in = Draft(text);
    in.identity = Identity{"Олена Петренко", "+380501234567", ""};
    Appeal a = MustCreate(in, Operator());
    auto r = service_.Transition(a.id, {"reject", Role::kSystem, "дубль"}, Admin());
    EXPECT_TRUE(r.ok());
    return r.ok() ? r.value() : a;
  }

  FileStore files_;
  Retention retention_;
};

TEST_F(RetentionTest, PurgesOldClosedCardsAndOnlyTheirOrphanedFiles) {
  clock_.Set(At("2019-05-10T10:00:00Z"));
  const Appeal old_closed = Closed("Стара яма");
  const std::string only_old = Attach(old_closed, Png("only-old"));
  const std::string shared = Attach(old_closed, Png("shared"));
  const Appeal old_open = MustCreate(Draft("Стара, досі в роботі"), Operator());

  clock_.Set(At("2025-01-10T10:00:00Z"));
  const Appeal recent_closed = Closed("Нова яма");
  Attach(recent_closed, Png("shared"));  // the same photo, stored once

  clock_.Set(At("2026-03-02T09:00:00Z"));
  const RetentionReport report = retention_.Purge(5);
  EXPECT_EQ(report.cutoff, At("2021-03-02T09:00:00Z"));
  EXPECT_EQ(report.appeals, 1);
  EXPECT_EQ(report.files_removed, 1);
  EXPECT_EQ(report.files_missing, 0);

  EXPECT_FALSE(store_->FindAppeal(old_closed.id).has_value());
  EXPECT_TRUE(
      store_->FindAppeal(old_open.id).has_value());  // not final: kept (R32 counts from closing)
  EXPECT_TRUE(store_->FindAppeal(recent_closed.id).has_value());
  EXPECT_FALSE(files_.Contains(only_old));
  EXPECT_TRUE(files_.Contains(shared));  // still on a kept card

  // The purge is audited by the system, and the old card's audit went with it.
  auto audit = store_->ListAudit("retention", "");
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].action, "purge");
  EXPECT_EQ(audit[0].actor_role, "system");
  EXPECT_EQ(audit[0].actor_id, "retention");
  EXPECT_TRUE(store_->ListAudit("appeal", std::to_string(old_closed.id)).empty());
  // The resident of the purged card had no other card: identity erased (B8).
  auto resident = store_->FindResident(old_closed.resident_id);
  ASSERT_TRUE(resident.has_value());
  EXPECT_FALSE(resident->identity.has_value());
  EXPECT_EQ(report.residents, 1);

  // A second run finds nothing more.
  const RetentionReport again = retention_.Purge(5);
  EXPECT_EQ(again.appeals, 0);
  EXPECT_EQ(again.files_removed, 0);
}

TEST_F(RetentionTest, FileAlreadyGoneIsCountedNotFatal) {
  clock_.Set(At("2018-01-01T00:00:00Z"));
  const Appeal a = Closed("Давня");
  const std::string sha = Attach(a, Png("gone"));
  ASSERT_TRUE(files_.Remove(sha));  // an earlier run stopped after the disk step
  clock_.Set(At("2026-01-01T00:00:00Z"));
  const RetentionReport report = retention_.Purge(5);
  EXPECT_EQ(report.appeals, 1);
  EXPECT_EQ(report.files_removed, 0);
  EXPECT_EQ(report.files_missing, 1);
}

TEST_F(RetentionTest, RefusesANonsenseRetentionPeriod) {
  clock_.Set(At("2018-01-01T00:00:00Z"));
  const Appeal a = Closed("Давня");
  clock_.Set(At("2026-01-01T00:00:00Z"));
  EXPECT_THROW(retention_.Purge(0), std::invalid_argument);
  EXPECT_THROW(retention_.Purge(-3), std::invalid_argument);
  EXPECT_TRUE(store_->FindAppeal(a.id).has_value());
}

TEST(RetentionCutoff, CountsCalendarYearsAndClampsLeapDay) {
  EXPECT_EQ(Retention::CutoffFor(At("2026-03-02T09:00:00Z"), 5), At("2021-03-02T09:00:00Z"));
  EXPECT_EQ(Retention::CutoffFor(At("2024-02-29T12:00:00Z"), 5), At("2019-02-28T12:00:00Z"));
  EXPECT_EQ(Retention::CutoffFor(At("2024-02-29T12:00:00Z"), 4), At("2020-02-29T12:00:00Z"));
}

}  // namespace
}  // namespace vikno::testing
