// Shared by the Viber channel tests: the host double (TestHost, the common
// one in tests/support/channel_host.h serving webhooks under /hooks/viber/,
// recording messages, delivery reports and log lines) and the HTTP helpers
// for posting signed callbacks.
#pragma once

#include "support/channel_host.h"

namespace vikno::viber::testing {

using vikno::testing::HttpAnswer;
using vikno::testing::HttpPost;
using vikno::testing::WaitFor;

class TestHost final : public vikno::testing::ChannelHost {
 public:
  TestHost() : ChannelHost("viber", Webhooks::kServe) {}
};

}  // namespace vikno::viber::testing
