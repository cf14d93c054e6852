// Listing by a category branch, on every backend (issue 2). A branch is read
// per leaf and merged when the page is sorted by creation time (the page of
// 50 from a million cards in under 20 ms), and as one range otherwise or when
// the branch has more leaves than a merge takes. These cases hold all of
// that to one reference: a plain filter-sort-slice of the cards in memory,
// for branch filters combined with every other filter, each sort and paging,
// over cards whose creation times tie (the merge must break ties by id as the
// single query does).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "integration/store/backends.h"
#include "store/store.h"

namespace vikno::testing {
namespace {

constexpr int64_t kBase = 1'700'000'000;  // 2023-11-14T22:13:20Z
Timestamp At(int64_t hours) { return FromUnix(kBase + hours * 3600); }
constexpr int64_t kNoDue = 253402300799;  // what "due soonest" puts undated cards behind

// The categories the cards are filed under. "water" holds cards itself and
// has leaves one and two levels down; "water-supply", "waterworks" and "wat"
// sort next to it and must never leak in; "big" has more leaves (70) than a
// merge takes, so it is read as a range.
std::vector<std::string> Categories() {
  std::vector<std::string> out = {"water",       "water/a",        "water/b",
                                  "water/b/deep", "water/c",        "water-supply/x",
                                  "waterworks",  "wat",            "roads/pothole",
                                  "roads/light", "roads/light/led"};
  for (int i = 0; i < 70; ++i) out.push_back("big/l" + std::to_string(i));
  return out;
}

int64_t DueOrder(const Appeal& a) { return a.resolve_due ? ToUnix(*a.resolve_due) : kNoDue; }

template <class B>
class AppealBranchList : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = B::Make();
    std::mt19937 rng(20261122);
    auto pick = [&rng](size_t n) { return static_cast<size_t>(rng() % n); };
    const std::vector<std::string> categories = Categories();
    const std::vector<Status> statuses = {Status::kNew, Status::kInWork, Status::kCompleted,
                                          Status::kRejected};
    const std::vector<std::string> services = {"vodokanal", "zhek-1", "teplo"};
    const std::vector<std::string> channels = {"telegram", "viber", "web"};
    for (int i = 0; i < 360; ++i) {
      Appeal a;
      a.type = "ordinary";
      // Half the cards land in "water" and "roads" so their pages are deep.
      a.category = pick(2) ? categories[pick(11)] : categories[pick(categories.size())];
      a.executors = {services[pick(services.size())]};
      if (pick(4) == 0) a.executors.push_back("zhek-9");
      a.address.city = "Суми";
      a.address.street = pick(2) ? "Соборна" : "Миру";
      a.address.house = pick(2) ? "1" : "2";
      if (pick(3)) a.address.registry_id = pick(2) ? 10 : 11;
      a.description = "опис " + std::to_string(i);
      a.channel = channels[pick(channels.size())];
      a.resident_id = "r" + std::to_string(pick(5));
      a.status = statuses[pick(statuses.size())];
      // Forty hours for 360 cards: many share a creation time.
      a.created_at = a.updated_at = At(static_cast<int64_t>(pick(40)));
      if (pick(5)) a.resolve_due = At(static_cast<int64_t>(pick(60)));
      const Appeal stored = store_->CreateAppeal(
          a, AuditEntry{0, At(0), "op-7", "operator", "10.0.0.7", "appeal", "", "create", "{}"});
      cards_.push_back(stored);
      cards_.back().executors = a.executors;
    }
  }

  // What the store must answer: the cards that pass `q`, in its order, sliced.
  AppealPage Reference(const AppealQuery& q) const {
    std::vector<const Appeal*> hits;
    for (const Appeal& a : cards_) {
      if (q.created_from && a.created_at < *q.created_from) continue;
      if (q.created_to && a.created_at >= *q.created_to) continue;
      if (q.executors && std::find(q.executors->begin(), q.executors->end(),
                                   a.lead_executor()) == q.executors->end())
        continue;
      if (!q.category.empty() && a.category != q.category &&
          !a.category.starts_with(q.category + "/"))
        continue;
      if (!q.statuses.empty() &&
          std::find(q.statuses.begin(), q.statuses.end(), a.status) == q.statuses.end())
        continue;
      if (!q.street.empty() && a.address.street != q.street) continue;
      if (!q.house.empty() && a.address.house != q.house) continue;
      if (q.registry_id && a.address.registry_id != q.registry_id) continue;
      if (!q.resident_id.empty() && a.resident_id != q.resident_id) continue;
      if (!q.channel.empty() && a.channel != q.channel) continue;
      if (q.overdue_only && (DueOrder(a) >= ToUnix(q.now) || Info(a.status).final)) continue;
      hits.push_back(&a);
    }
    std::sort(hits.begin(), hits.end(), [&q](const Appeal* x, const Appeal* y) {
      switch (q.sort) {
        case AppealQuery::Sort::kNewestFirst:
          return std::pair(x->created_at, x->id) > std::pair(y->created_at, y->id);
        case AppealQuery::Sort::kOldestFirst:
          return std::pair(x->created_at, x->id) < std::pair(y->created_at, y->id);
        case AppealQuery::Sort::kDueSoonest:
          return std::pair(DueOrder(*x), x->id) < std::pair(DueOrder(*y), y->id);
      }
      return false;
    });
    AppealPage page;
    page.total = static_cast<int64_t>(hits.size());
    for (size_t i = static_cast<size_t>(q.offset);
         i < hits.size() && page.items.size() < static_cast<size_t>(q.limit); ++i)
      page.items.push_back(*hits[i]);
    page.has_more = hits.size() > static_cast<size_t>(q.offset) + static_cast<size_t>(q.limit);
    return page;
  }

  // Compares ids, order, has_more, total and the content of every card.
  void ExpectAsReference(AppealQuery q, const std::string& what) {
    q.with_total = true;
    const AppealPage want = Reference(q);
    const AppealPage got = store_->ListAppeals(q);
    std::vector<int64_t> want_ids, got_ids;
    for (const Appeal& a : want.items) want_ids.push_back(a.id);
    for (const Appeal& a : got.items) got_ids.push_back(a.id);
    ASSERT_EQ(got_ids, want_ids) << what;
    EXPECT_EQ(got.has_more, want.has_more) << what;
    EXPECT_EQ(got.total, want.total) << what;
    for (size_t i = 0; i < got.items.size(); ++i) {
      EXPECT_EQ(got.items[i].category, want.items[i].category) << what;
      EXPECT_EQ(got.items[i].executors, want.items[i].executors) << what;
      EXPECT_EQ(got.items[i].description, want.items[i].description) << what;
      EXPECT_EQ(got.items[i].created_at, want.items[i].created_at) << what;
      EXPECT_EQ(got.items[i].number, want.items[i].number) << what;
    }
  }

  std::unique_ptr<Store> store_;
  std::vector<Appeal> cards_;
};

TYPED_TEST_SUITE(AppealBranchList, Backends, BackendName);

TYPED_TEST(AppealBranchList, BranchWithEveryFilterSortAndPageMatchesTheReference) {
  struct Filter {
    const char* name;
    void (*shape)(AppealQuery&);
  };
  const std::vector<Filter> filters = {
      {"alone", [](AppealQuery&) {}},
      {"statuses", [](AppealQuery& q) { q.statuses = {Status::kNew, Status::kInWork}; }},
      {"scope",
       [](AppealQuery& q) { q.executors = std::vector<std::string>{"vodokanal", "teplo"}; }},
      {"period",
       [](AppealQuery& q) {
         q.created_from = At(5);
         q.created_to = At(30);
       }},
      {"street+house",
       [](AppealQuery& q) {
         q.street = "Соборна";
         q.house = "1";
       }},
      {"registry", [](AppealQuery& q) { q.registry_id = 10; }},
      {"resident", [](AppealQuery& q) { q.resident_id = "r2"; }},
      {"channel", [](AppealQuery& q) { q.channel = "viber"; }},
      {"overdue",
       [](AppealQuery& q) {
         q.overdue_only = true;
         q.now = At(20);
       }},
      {"scope+status+period",
       [](AppealQuery& q) {
         q.executors = std::vector<std::string>{"zhek-1"};
         q.statuses = {Status::kCompleted, Status::kNew};
         q.created_from = At(10);
       }},
  };
  const std::vector<std::pair<int, int>> pages = {{7, 0}, {7, 7}, {7, 21}, {50, 0}, {3, 100},
                                                  {500, 0}};
  const std::vector<std::pair<AppealQuery::Sort, const char*>> sorts = {
      {AppealQuery::Sort::kNewestFirst, "newest"},
      {AppealQuery::Sort::kOldestFirst, "oldest"},
      {AppealQuery::Sort::kDueSoonest, "due"}};
  for (const char* branch :
       {"water", "water/b", "water/a", "roads", "roads/light", "big", "big/l7", "wat", "water/",
        "nothing"}) {
    for (const Filter& f : filters) {
      for (const auto& [sort, sort_name] : sorts) {
        for (const auto& [limit, offset] : pages) {
          AppealQuery q;
          q.category = branch;
          f.shape(q);
          q.sort = sort;
          q.limit = limit;
          q.offset = offset;
          this->ExpectAsReference(q, std::string(branch) + " + " + f.name + ", " + sort_name +
                                         ", limit " + std::to_string(limit) + " offset " +
                                         std::to_string(offset));
          if (::testing::Test::HasFatalFailure()) return;
        }
      }
    }
  }
}

TYPED_TEST(AppealBranchList, StatusesMatchTheReferenceWithAndWithoutABranch) {
  // The MariaDB store merges a page per status (one ordered part each, read
  // from (status, created_at) or (status, due_order)) when no category leaf
  // is asked for in creation order, and for any category by due date; a
  // filter with an index of its own keeps one plain query. Every such shape,
  // each sort and page, against the reference, with ties in both orders.
  struct Filter {
    const char* name;
    void (*shape)(AppealQuery&);
  };
  const std::vector<Filter> filters = {
      {"one status", [](AppealQuery& q) { q.statuses = {Status::kInWork}; }},
      {"two statuses", [](AppealQuery& q) { q.statuses = {Status::kNew, Status::kCompleted}; }},
      {"a status twice", [](AppealQuery& q) { q.statuses = {Status::kNew, Status::kNew}; }},
      {"a status no card has", [](AppealQuery& q) { q.statuses = {Status::kCancelled}; }},
      {"statuses+period",
       [](AppealQuery& q) {
         q.statuses = {Status::kRejected, Status::kInWork};
         q.created_from = At(8);
         q.created_to = At(33);
       }},
      {"statuses+channel",
       [](AppealQuery& q) {
         q.statuses = {Status::kNew, Status::kInWork, Status::kRejected};
         q.channel = "web";
       }},
      {"statuses+overdue",
       [](AppealQuery& q) {
         q.statuses = {Status::kNew, Status::kInWork, Status::kCompleted};
         q.overdue_only = true;
         q.now = At(30);
       }},
      {"statuses+scope",
       [](AppealQuery& q) {
         q.statuses = {Status::kNew, Status::kInWork};
         q.executors = std::vector<std::string>{"teplo"};
       }},
      {"statuses+resident",
       [](AppealQuery& q) {
         q.statuses = {Status::kCompleted, Status::kInWork};
         q.resident_id = "r1";
       }},
  };
  const std::vector<std::pair<int, int>> pages = {{7, 0}, {7, 14}, {50, 0}, {4, 90}, {500, 0}};
  const std::vector<std::pair<AppealQuery::Sort, const char*>> sorts = {
      {AppealQuery::Sort::kNewestFirst, "newest"},
      {AppealQuery::Sort::kOldestFirst, "oldest"},
      {AppealQuery::Sort::kDueSoonest, "due"}};
  for (const char* category : {"", "water", "water/b/deep", "roads", "big", "nothing"}) {
    for (const Filter& f : filters) {
      for (const auto& [sort, sort_name] : sorts) {
        for (const auto& [limit, offset] : pages) {
          AppealQuery q;
          q.category = category;
          f.shape(q);
          q.sort = sort;
          q.limit = limit;
          q.offset = offset;
          this->ExpectAsReference(q, std::string("category '") + category + "' + " + f.name +
                                         ", " + sort_name + ", limit " + std::to_string(limit) +
                                         " offset " + std::to_string(offset));
          if (::testing::Test::HasFatalFailure()) return;
        }
      }
    }
  }
}

TYPED_TEST(AppealBranchList, DeepPagesMatchTheReference) {
  // From offset 250 the MariaDB store reads a plain page's ids first and its
  // cards after: the same cards, order, has_more and total as the one query,
  // up to and past the last card, for filters answered from the index and
  // filters read on the rows.
  struct Filter {
    const char* name;
    void (*shape)(AppealQuery&);
  };
  const std::vector<Filter> filters = {
      {"none", [](AppealQuery&) {}},
      {"period", [](AppealQuery& q) { q.created_from = At(2); }},
      {"channel", [](AppealQuery& q) { q.channel = "telegram"; }},
      {"scope",
       [](AppealQuery& q) { q.executors = std::vector<std::string>{"vodokanal", "zhek-1"}; }},
      {"big branch", [](AppealQuery& q) { q.category = "big"; }},
  };
  const std::vector<std::pair<int, int>> pages = {{1, 249}, {1, 250}, {10, 250}, {50, 300},
                                                  {7, 353}, {5, 359}, {5, 360}, {20, 400}};
  for (const Filter& f : filters) {
    for (auto sort : {AppealQuery::Sort::kNewestFirst, AppealQuery::Sort::kOldestFirst,
                      AppealQuery::Sort::kDueSoonest}) {
      for (const auto& [limit, offset] : pages) {
        AppealQuery q;
        f.shape(q);
        q.sort = sort;
        q.limit = limit;
        q.offset = offset;
        this->ExpectAsReference(q, std::string(f.name) + ", sort " +
                                       std::to_string(static_cast<int>(sort)) + ", limit " +
                                       std::to_string(limit) + " offset " + std::to_string(offset));
        if (::testing::Test::HasFatalFailure()) return;
      }
    }
  }
}

TYPED_TEST(AppealBranchList, PagesOfAStatusPartitionItByDueDate) {
  // Walking two statuses page by page by due date (merged per status on
  // MariaDB) sees each of their cards once, in (due date, id) order: undated
  // cards last, and cards sharing a deadline in id order across the parts.
  const std::vector<Status> statuses = {Status::kNew, Status::kRejected};
  std::vector<int64_t> walked;
  for (int offset = 0;; offset += 5) {
    AppealQuery q{.statuses = statuses, .limit = 5, .offset = offset};
    q.sort = AppealQuery::Sort::kDueSoonest;
    const AppealPage page = this->store_->ListAppeals(q);
    for (const Appeal& a : page.items) walked.push_back(a.id);
    if (!page.has_more) break;
    ASSERT_EQ(page.items.size(), 5u);
  }
  AppealQuery all{.statuses = statuses, .limit = 500};
  all.sort = AppealQuery::Sort::kDueSoonest;
  std::vector<int64_t> want;
  for (const Appeal& a : this->Reference(all).items) want.push_back(a.id);
  EXPECT_EQ(walked, want);
  EXPECT_GT(walked.size(), 60u) << "the seed should fill many pages";
}

TYPED_TEST(AppealBranchList, PagesOfABranchPartitionItNewestFirst) {
  // Walking a branch page by page sees every card in it exactly once, in
  // order, and the last page says there is no next one.
  for (const char* branch : {"water", "roads", "big"}) {
    std::vector<int64_t> walked;
    for (int offset = 0;; offset += 6) {
      const AppealPage page =
          this->store_->ListAppeals({.category = branch, .limit = 6, .offset = offset});
      for (const Appeal& a : page.items) walked.push_back(a.id);
      if (!page.has_more) break;
      ASSERT_EQ(page.items.size(), 6u) << branch;
    }
    std::vector<int64_t> want;
    for (const Appeal& a : this->Reference({.category = branch, .limit = 500}).items)
      want.push_back(a.id);
    EXPECT_EQ(walked, want) << branch;
    EXPECT_EQ(std::set<int64_t>(walked.begin(), walked.end()).size(), walked.size()) << branch;
    EXPECT_GT(walked.size(), 20u) << branch << ": the seed should fill several pages";
  }
}

TYPED_TEST(AppealBranchList, ABranchFollowsChangedCards) {
  // A card moved out of the branch leaves its pages, one moved in joins them:
  // the leaves are read from the cards at each list, not remembered.
  const AppealQuery q{.category = "water", .limit = 500, .with_total = true};
  const int64_t before = *this->store_->ListAppeals(q).total;
  Appeal moved = this->cards_.front();
  const bool was_water = moved.category == "water" || moved.category.starts_with("water/");
  moved.category = was_water ? "roads/pothole" : "water/new-leaf";
  auto written = this->store_->UpdateAppeal(
      moved, AuditEntry{0, At(0), "op-7", "operator", "10.0.0.7", "appeal", "", "update", "{}"});
  ASSERT_TRUE(written);
  this->cards_.front() = written.value();
  this->cards_.front().executors = moved.executors;
  const AppealPage page = this->store_->ListAppeals(q);
  EXPECT_EQ(*page.total, before + (was_water ? -1 : 1));
  this->ExpectAsReference({.category = "water", .limit = 50}, "after the move");
  this->ExpectAsReference({.category = "water/new-leaf", .limit = 50}, "the new leaf");
}

TYPED_TEST(AppealBranchList, ABranchWithAStatusFollowsStatusChanges) {
  // The status is read from the category index's entry (migration 015), so
  // an appeal taken into work must leave the "new" pages of its branch and
  // join the "in work" ones at once, with ties in creation time still broken
  // by id on every page.
  auto in_water = [](const Appeal& a) {
    return a.category == "water" || a.category.starts_with("water/");
  };
  std::vector<size_t> moved;
  for (size_t i = 0; i < this->cards_.size() && moved.size() < 5; ++i)
    if (in_water(this->cards_[i]) && this->cards_[i].status == Status::kNew) moved.push_back(i);
  ASSERT_EQ(moved.size(), 5u) << "the seed should hold new cards in the water branch";
  for (size_t i : moved) {
    Appeal a = this->cards_[i];
    a.status = Status::kInWork;
    auto written = this->store_->UpdateAppeal(
        a, AuditEntry{0, At(0), "op-7", "operator", "10.0.0.7", "appeal", "", "update", "{}"});
    ASSERT_TRUE(written);
    const std::vector<std::string> executors = this->cards_[i].executors;
    this->cards_[i] = written.value();
    this->cards_[i].executors = executors;
  }
  for (Status st : {Status::kNew, Status::kInWork}) {
    for (const char* branch : {"water", "water/b"}) {
      for (auto sort : {AppealQuery::Sort::kNewestFirst, AppealQuery::Sort::kOldestFirst}) {
        for (int offset : {0, 4, 12}) {
          AppealQuery q{.category = branch, .limit = 4, .offset = offset};
          q.statuses = {st};
          q.sort = sort;
          this->ExpectAsReference(q, std::string(branch) + " status " +
                                         std::string(StatusCode(st)) + " offset " +
                                         std::to_string(offset));
          if (::testing::Test::HasFatalFailure()) return;
        }
      }
    }
  }
  // None of the moved cards is still listed as new.
  const AppealPage still_new =
      this->store_->ListAppeals({.category = "water", .statuses = {Status::kNew}, .limit = 500});
  for (const Appeal& a : still_new.items)
    for (size_t i : moved) EXPECT_NE(a.id, this->cards_[i].id);
}

}  // namespace
}  // namespace vikno::testing
