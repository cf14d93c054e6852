#include "workflow/scheduler_runner.h"

#include <iostream>

namespace vikno {

SchedulerRunner::SchedulerRunner(Scheduler& scheduler, std::chrono::milliseconds period,
                                 SchedulerLog log)
    : scheduler_(scheduler),
      period_(std::max(period, std::chrono::milliseconds(10))),
      log_(log ? std::move(log)
               : [](const std::string& line) { std::cerr << "scheduler: " << line << "\n"; }) {}

SchedulerRunner::~SchedulerRunner() { Stop(); }

void SchedulerRunner::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  stop_ = false;
  ticks_ = 0;
  thread_ = std::thread([this] { Loop(); });
}

void SchedulerRunner::Stop() {
  std::thread t;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!thread_.joinable()) return;
    stop_ = true;
    t = std::move(thread_);
  }
  wake_.notify_all();
  t.join();
  try {
    scheduler_.ReleaseLease();
  } catch (const std::exception& e) {
    // The lease then simply expires after its time to live.
    log_(std::string("releasing the lease failed: ") + e.what());
  }
}

uint64_t SchedulerRunner::ticks() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ticks_;
}

void SchedulerRunner::Loop() {
  for (;;) {
    bool more = false;
    try {
      TickReport r = scheduler_.Tick();
      more = r.lease_held && r.more && r.errors < r.appeals;
    } catch (const std::exception& e) {
      log_(std::string("tick failed: ") + e.what());
    }
    std::unique_lock<std::mutex> lock(mu_);
    ++ticks_;
    if (stop_) return;
    if (more) continue;
    if (wake_.wait_for(lock, period_, [this] { return stop_; })) return;
  }
}

DeadlineWatch::DeadlineWatch(Store& store, rules::LuaRules& rules, Notifier& notifier, Clock& clock,
                             SchedulerOptions options, std::chrono::seconds period,
                             SchedulerLog log)
    : policy_(rules),
      scheduler_(store, policy_, notifier, clock, options, log),
      repeats_(store, policy_, notifier, clock, options, log),
      runner_(scheduler_, period, log) {}

}  // namespace vikno
