// Loading channel plugins (DESIGN.md, "Plugin SDK"): open a shared library,
// check its ABI number and C++ library before calling anything else in it
// (the Kamailio lesson: refuse a mismatch before any plugin code runs), then
// create its channel. The library stays loaded as long as the channel lives.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "core/result.h"
#include "vikno/sdk/channel.h"
#include "vikno/sdk/entry.h"

namespace vikno {

// A channel created by a plugin, owning the library it came from. Destroying
// it destroys the channel inside the plugin (vikno_destroy_channel) and only
// then closes the library. The channel must be stopped before.
class LoadedChannel {
 public:
  LoadedChannel(std::string name, std::string library_path, std::shared_ptr<void> library,
                sdk::Channel* channel, sdk::DestroyFunction destroy);
  ~LoadedChannel();
  LoadedChannel(const LoadedChannel&) = delete;
  LoadedChannel& operator=(const LoadedChannel&) = delete;

  const std::string& name() const { return name_; }
  const std::string& library_path() const { return library_path_; }
  sdk::Channel& channel() { return *channel_; }

 private:
  std::string name_;
  std::string library_path_;
  std::shared_ptr<void> library_;  // the dlopen handle; closed after the channel is destroyed
  sdk::Channel* channel_;
  sdk::DestroyFunction destroy_;
};

// What a library says about itself, read without running any channel code.
struct PluginInfo {
  int abi = 0;
  std::string build_info;  // VIKNO_SDK_BUILD_INFO of the plugin
};

class PluginLoader {
 public:
  // Refusal codes, stable for callers and tests.
  static constexpr const char* kMissing = "plugin_missing";        // no such file
  static constexpr const char* kUnloadable = "plugin_unloadable";  // dlopen failed
  static constexpr const char* kNotAPlugin = "not_a_plugin";       // entry points missing
  static constexpr const char* kAbiMismatch = "abi_mismatch";
  static constexpr const char* kBuildMismatch = "build_mismatch";  // other C++ library
  static constexpr const char* kCreateFailed = "channel_create_failed";

  // Opens `library_path`, checks it and reads its ABI number and build info.
  // Calls only vikno_plugin_abi and vikno_plugin_build_info, and refuses on a
  // mismatch with the host ("host ABI 1, plugin ABI 2").
  static Result<PluginInfo> Inspect(const std::string& library_path);

  // Inspect, then create channel `name` with `settings`. Refusals: every code
  // above; messages start with "channel '<name>': ".
  static Result<std::unique_ptr<LoadedChannel>> Load(
      const std::string& name, const std::string& library_path,
      const std::map<std::string, std::string>& settings);

  // True when a plugin built with `plugin_build_info` can run in this host:
  // same standard library, same major release, same dual-ABI switch.
  // `why` gets a sentence naming both sides when not.
  static bool BuildInfoMatches(const std::string& plugin_build_info, std::string* why);
};

}  // namespace vikno
