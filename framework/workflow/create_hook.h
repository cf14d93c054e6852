// A hook around AppealService::Create: what must happen when an appeal comes
// into being besides storing it (R20: repeats are linked and escalated,
// workflow/scheduler.h RepeatAppeals).
#pragma once

#include <string>

#include "core/appeal.h"
#include "core/role.h"

namespace vikno {

class AppealCreateHook {
 public:
  virtual ~AppealCreateHook() = default;
  // Before the store write, after classification and deadlines: may set
  // draft.repeat_of. May throw StoreError (Create then fails whole: nothing
  // was written).
  virtual void BeforeCreate(Appeal& draft) = 0;
  // After the write. Must not throw: the appeal exists already.
  virtual void AfterCreate(const Appeal& created) = 0;
};

// Told after every status change AppealService::Transition wrote (R7: the
// resident hears of each change on their channel; R18: "fixed?" when the
// executor sends the appeal for confirmation).
class AppealStatusHook {
 public:
  virtual ~AppealStatusHook() = default;
  // After the write: `appeal` as stored, `from` its status before, `action`
  // the R14 action taken, `note` the actor's note (the executor's answer for
  // send_for_confirmation). Must not throw: the change is stored already.
  virtual void AfterTransition(const Appeal& appeal, Status from, const std::string& action,
                               const std::string& note, const Actor& actor) = 0;
};

}  // namespace vikno
