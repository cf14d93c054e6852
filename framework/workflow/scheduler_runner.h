// The scheduler's background thread and the one object the host wires in
// `serve` (DESIGN.md: "scheduler: deadline watch, escalation ladder").
//
//   vikno::DeadlineWatch watch(store, rules, outbox, clock,
//                              {.holder = host_id}, std::chrono::seconds(30));
//   appeal_service.SetCreateHook(&watch.repeats());   // R20 repeats
//   watch.Start();
//   ...
//   watch.Stop();   // also done by the destructor
//
// Thread-safety: Start and Stop from one (the host's) thread; the ticking
// happens on the runner's own thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "workflow/scheduler.h"

namespace vikno {

// Ticks a Scheduler every `period` on its own thread until stopped; when a
// tick filled its batch it ticks again at once. A tick that throws (the
// store is down) is logged and retried at the next period. Stop() wakes the
// thread, waits for the tick in progress to finish and releases the lease so
// another host takes over at once.
class SchedulerRunner {
 public:
  SchedulerRunner(Scheduler& scheduler, std::chrono::milliseconds period, SchedulerLog log = {});
  ~SchedulerRunner();
  SchedulerRunner(const SchedulerRunner&) = delete;
  SchedulerRunner& operator=(const SchedulerRunner&) = delete;

  void Start();  // no-op when running
  void Stop();   // no-op when stopped

  // Ticks finished since Start (for /healthz and tests).
  uint64_t ticks() const;

 private:
  void Loop();

  Scheduler& scheduler_;
  std::chrono::milliseconds period_;
  SchedulerLog log_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  uint64_t ticks_ = 0;
  std::thread thread_;
};

// Everything the host needs for the deadline watch over the Lua rules: the
// policy adapter, the scheduler, the repeat-appeal hook and the runner.
class DeadlineWatch {
 public:
  DeadlineWatch(Store& store, rules::LuaRules& rules, Notifier& notifier, Clock& clock,
                SchedulerOptions options, std::chrono::seconds period = std::chrono::seconds(30),
                SchedulerLog log = {});
  void Start() { runner_.Start(); }
  void Stop() { runner_.Stop(); }
  Scheduler& scheduler() { return scheduler_; }
  // Pass to AppealService::SetCreateHook.
  AppealCreateHook& repeats() { return repeats_; }

 private:
  LuaEscalationPolicy policy_;
  Scheduler scheduler_;
  RepeatAppeals repeats_;
  SchedulerRunner runner_;
};

}  // namespace vikno
