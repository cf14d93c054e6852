// A hook around AppealService::Create: what must happen when an appeal comes
// into being besides storing it (R20: repeats are linked and escalated,
// workflow/scheduler.h RepeatAppeals).
#pragma once

#include "core/appeal.h"

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

}  // namespace vikno
