// vikno/sdk/entry.h: the four C functions a plugin's shared library exports,
// and VIKNO_DEFINE_CHANNEL, which defines all four for a Channel class.
//
// The host opens the library and, before anything else, calls
// vikno_plugin_abi() and vikno_plugin_build_info(). A plugin whose ABI number
// or C++ library differs from the host's is refused with a message naming
// both ("host ABI 1, plugin ABI 2") and none of its other code is called.
// Only then does the host call vikno_create_channel(). The library stays
// loaded until vikno_destroy_channel() has returned.
//
// A plugin's static constructors run when the library is opened, before the
// check: keep them trivial (no threads, no I/O).
//
// Usage, in exactly one .cc file of the plugin:
//   class EchoChannel : public vikno::sdk::Channel {
//    public:
//     explicit EchoChannel(const vikno::sdk::Settings& settings);
//     ...
//   };
//   VIKNO_DEFINE_CHANNEL(EchoChannel)
#pragma once

#include <exception>
#include <memory>
#include <string>

#include "vikno/sdk/channel.h"
#include "vikno/sdk/settings.h"
#include "vikno/sdk/status.h"
#include "vikno/sdk/version.h"

extern "C" {
// kAbiVersion the plugin was built with.
VIKNO_EXPORT int vikno_plugin_abi(void);
// VIKNO_SDK_BUILD_INFO the plugin was built with; a static string.
VIKNO_EXPORT const char* vikno_plugin_build_info(void);
// A new channel configured by `settings` (valid during the call only), or
// nullptr with `*status` saying why. Never throws. The host owns the result
// and releases it with vikno_destroy_channel.
VIKNO_EXPORT vikno::sdk::Channel* vikno_create_channel(const vikno::sdk::Settings* settings,
                                                       vikno::sdk::Status* status);
// Destroys a channel made by vikno_create_channel, inside the plugin, so that
// the plugin's own allocator and destructor run.
VIKNO_EXPORT void vikno_destroy_channel(vikno::sdk::Channel* channel);
}

namespace vikno::sdk {

// The symbol names and signatures, for the host's loader.
inline constexpr const char* kAbiSymbol = "vikno_plugin_abi";
inline constexpr const char* kBuildInfoSymbol = "vikno_plugin_build_info";
inline constexpr const char* kCreateSymbol = "vikno_create_channel";
inline constexpr const char* kDestroySymbol = "vikno_destroy_channel";
using AbiFunction = int (*)();
using BuildInfoFunction = const char* (*)();
using CreateFunction = Channel* (*)(const Settings*, Status*);
using DestroyFunction = void (*)(Channel*);

namespace internal {

// Builds T from the settings; any settings problem or exception becomes a
// failed Status, so nothing is thrown across the library boundary.
template <class T>
Channel* CreateChannel(const Settings* settings, Status* status) {
  try {
    auto channel = std::make_unique<T>(*settings);
    if (!settings->Problems().empty()) {
      std::string message = "bad settings: ";
      for (size_t i = 0; i < settings->Problems().size(); ++i) {
        if (i) message += "; ";
        message += settings->Problems()[i];
      }
      *status = Status::Error(std::move(message));
      return nullptr;
    }
    *status = Status::Ok();
    return channel.release();
  } catch (const std::exception& e) {
    *status = Status::Error(std::string("constructor failed: ") + e.what());
  } catch (...) {
    *status = Status::Error("constructor failed with an unknown exception");
  }
  return nullptr;
}

}  // namespace internal
}  // namespace vikno::sdk

// Defines the four entry points for `ClassName`, which derives from
// vikno::sdk::Channel and has a constructor taking `const Settings&`.
#define VIKNO_DEFINE_CHANNEL(ClassName)                                                    \
  extern "C" VIKNO_EXPORT int vikno_plugin_abi(void) { return ::vikno::sdk::kAbiVersion; } \
  extern "C" VIKNO_EXPORT const char* vikno_plugin_build_info(void) {                      \
    return VIKNO_SDK_BUILD_INFO;                                                           \
  }                                                                                        \
  extern "C" VIKNO_EXPORT ::vikno::sdk::Channel* vikno_create_channel(                     \
      const ::vikno::sdk::Settings* settings, ::vikno::sdk::Status* status) {              \
    return ::vikno::sdk::internal::CreateChannel<ClassName>(settings, status);             \
  }                                                                                        \
  extern "C" VIKNO_EXPORT void vikno_destroy_channel(::vikno::sdk::Channel* channel) {     \
    delete channel;                                                                        \
  }
