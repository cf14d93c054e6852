// The appeal mix the benchmarks seed: a city-like spread over services,
// categories, statuses, buildings and three years of history.
#pragma once

#include <chrono>
#include <random>
#include <string>
#include <vector>

#include "core/appeal.h"
#include "store/store.h"

namespace vikno::bench {

inline const vikno::Timestamp kNow = vikno::FromUnix(1795353845);  // 2026-11-22

// A city-like mix: 30 services, 200 categories under 20 branches, ten statuses
// weighted towards closed cards, 20,000 buildings, three years of history.
class AppealFactory {
 public:
  explicit AppealFactory(uint32_t seed) : rng_(seed) {}

  Appeal Next() {
    Appeal a;
    const int branch = Pick(20), leaf = Pick(10);
    a.category = "branch" + std::to_string(branch) + "/leaf" + std::to_string(leaf);
    a.type = Pick(100) < 5 ? "emergency" : "ordinary";
    a.executors = {"service" + std::to_string((branch * 3 + leaf) % 30)};
    a.address.registry_id = 1 + Pick(20'000);
    a.address.city = "Суми";
    a.address.street = "вулиця Соборна " + std::to_string(*a.address.registry_id % 400);
    a.address.house = std::to_string(1 + *a.address.registry_id % 120);
    a.address.flat = std::to_string(1 + Pick(200));
    a.description = "Немає гарячої води в під’їзді, прохання перевірити стояк";
    a.channel = Pick(2) ? "telegram" : "viber";
    a.resident_id = "resident" + std::to_string(Pick(200'000));
    a.created_at = kNow - std::chrono::seconds(Pick(3 * 365 * 86400));
    a.updated_at = a.created_at;
    const int s = Pick(100);
    a.status = s < 60   ? Status::kCompleted
               : s < 70 ? Status::kInWork
               : s < 75 ? Status::kNew
               : s < 80 ? Status::kAwaitingConfirmation
               : s < 85 ? Status::kRejected
               : s < 90 ? Status::kCancelled
                        : Status::kNotConfirmed;
    a.accept_due = a.created_at + std::chrono::hours(2);
    a.resolve_due = a.created_at + std::chrono::days(5);
    if (vikno::Info(a.status).final) a.closed_at = a.created_at + std::chrono::days(3);
    return a;
  }

 private:
  int Pick(int n) { return static_cast<int>(rng_() % static_cast<uint32_t>(n)); }
  std::mt19937 rng_;
};

// Loads `rows` appeals of the mix in batches of 10,000 (one transaction each).
inline void SeedAppeals(Store& store, int64_t rows) {
  AppealFactory factory(2);
  std::vector<Appeal> batch;
  for (int64_t i = 0; i < rows; i += static_cast<int64_t>(batch.size())) {
    batch.clear();
    for (int64_t j = i; j < rows && batch.size() < 10'000; ++j) batch.push_back(factory.Next());
    store.ImportAppeals(batch);
  }
}

}  // namespace vikno::bench
