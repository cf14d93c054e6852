#include "plugins/plugin_loader.h"

#include <dlfcn.h>

#include <exception>
#include <filesystem>
#include <system_error>
#include <utility>
#include <vector>

namespace vikno {
namespace {

// "a=1;b=2" -> {a:1, b:2}; unknown shapes give an empty map (then refused).
std::map<std::string, std::string> ParseBuildInfo(const std::string& text) {
  std::map<std::string, std::string> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(';', start);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(start, end - start);
    size_t eq = item.find('=');
    if (eq != std::string::npos) out[item.substr(0, eq)] = item.substr(eq + 1);
    start = end + 1;
  }
  return out;
}

// The fields that decide whether std types can cross the boundary (version.h).
const std::vector<std::string>& ComparedFields() {
  static const std::vector<std::string> fields = {"stdlib", "stdlib_release", "cxx11_abi"};
  return fields;
}

std::string Describe(const std::map<std::string, std::string>& info) {
  std::string out;
  for (const auto& key : ComparedFields()) {
    auto it = info.find(key);
    out += (out.empty() ? "" : " ") + key + "=" + (it == info.end() ? "?" : it->second);
  }
  auto c = info.find("compiler");
  if (c != info.end()) out += " (" + c->second + ")";
  return out;
}

struct Opened {
  std::shared_ptr<void> handle;
  PluginInfo info;
};

// Opens the library and runs the two checks; nothing else of it is called.
Result<Opened> OpenAndCheck(const std::string& what, const std::string& path) {
  if (path.empty()) return Refuse(PluginLoader::kMissing, what + "no plugin library is named");
  // A path is checked here for a clear message; a bare file name is left to
  // the dynamic loader's search (LD_LIBRARY_PATH, ld.so.conf), as
  // config/README.md promises.
  const bool bare_name = path.find('/') == std::string::npos;
  std::error_code ec;
  if (!bare_name && !std::filesystem::is_regular_file(path, ec)) {
    return Refuse(PluginLoader::kMissing, what + "plugin library " + path + " does not exist");
  }
  // RTLD_NOW: an unresolved symbol fails here, with dlerror's text, rather
  // than crashing the host on first use. RTLD_LOCAL: plugins cannot see each
  // other's symbols.
  void* raw = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (raw == nullptr) {
    const char* err = dlerror();
    const std::string reason = err ? err : "unknown dlopen error";
    if (bare_name && reason.find("No such file") != std::string::npos) {
      return Refuse(PluginLoader::kMissing, what + "plugin library " + path +
                                                " was not found by the dynamic loader: " + reason);
    }
    return Refuse(PluginLoader::kUnloadable, what + "cannot load " + path + ": " + reason);
  }
  std::shared_ptr<void> handle(raw, [](void* h) { dlclose(h); });

  auto abi_fn = reinterpret_cast<sdk::AbiFunction>(dlsym(raw, sdk::kAbiSymbol));
  auto info_fn = reinterpret_cast<sdk::BuildInfoFunction>(dlsym(raw, sdk::kBuildInfoSymbol));
  if (abi_fn == nullptr || info_fn == nullptr) {
    return Refuse(PluginLoader::kNotAPlugin,
                  what + path + " is not a vikno plugin: it does not export " +
                      (abi_fn == nullptr ? sdk::kAbiSymbol : sdk::kBuildInfoSymbol));
  }
  Opened opened{handle, {}};
  opened.info.abi = abi_fn();
  if (opened.info.abi != sdk::kAbiVersion) {
    return Refuse(PluginLoader::kAbiMismatch,
                  what + path + " was built for another vikno SDK: host ABI " +
                      std::to_string(sdk::kAbiVersion) + ", plugin ABI " +
                      std::to_string(opened.info.abi) +
                      "; rebuild the plugin against this host's SDK");
  }
  const char* build_info = info_fn();
  opened.info.build_info = build_info ? build_info : "";
  std::string why;
  if (!PluginLoader::BuildInfoMatches(opened.info.build_info, &why)) {
    return Refuse(PluginLoader::kBuildMismatch, what + path + ": " + why);
  }
  return opened;
}

}  // namespace

LoadedChannel::LoadedChannel(std::string name, std::string library_path,
                             std::shared_ptr<void> library, sdk::Channel* channel,
                             sdk::DestroyFunction destroy)
    : name_(std::move(name)),
      library_path_(std::move(library_path)),
      library_(std::move(library)),
      channel_(channel),
      destroy_(destroy) {}

LoadedChannel::~LoadedChannel() {
  // The channel's code and vtable live in the library: destroy it first.
  destroy_(channel_);
  library_.reset();
}

bool PluginLoader::BuildInfoMatches(const std::string& plugin_build_info, std::string* why) {
  const auto host = ParseBuildInfo(VIKNO_SDK_BUILD_INFO);
  const auto plugin = ParseBuildInfo(plugin_build_info);
  for (const auto& key : ComparedFields()) {
    auto p = plugin.find(key);
    if (p == plugin.end() || p->second != host.at(key)) {
      if (why)
        *why = "built with another C++ standard library: host " + Describe(host) + ", plugin " +
               Describe(plugin) + "; rebuild the plugin with the host's compiler and library";
      return false;
    }
  }
  return true;
}

Result<PluginInfo> PluginLoader::Inspect(const std::string& library_path) {
  auto opened = OpenAndCheck("", library_path);
  if (!opened) return opened.refusal();
  return opened.value().info;
}

Result<std::unique_ptr<LoadedChannel>> PluginLoader::Load(
    const std::string& name, const std::string& library_path,
    const std::map<std::string, std::string>& settings) {
  const std::string what = "channel '" + name + "': ";
  auto opened = OpenAndCheck(what, library_path);
  if (!opened) return opened.refusal();
  void* raw = opened.value().handle.get();
  auto create = reinterpret_cast<sdk::CreateFunction>(dlsym(raw, sdk::kCreateSymbol));
  auto destroy = reinterpret_cast<sdk::DestroyFunction>(dlsym(raw, sdk::kDestroySymbol));
  if (create == nullptr || destroy == nullptr) {
    return Refuse(kNotAPlugin, what + library_path + " is not a vikno plugin: it does not export " +
                                   (create == nullptr ? sdk::kCreateSymbol : sdk::kDestroySymbol));
  }
  sdk::Settings plugin_settings(settings);
  sdk::Status status = sdk::Status::Error("the plugin did not say why");
  sdk::Channel* channel = nullptr;
  try {
    channel = create(&plugin_settings, &status);
  } catch (const std::exception& e) {
    // The SDK forbids this; VIKNO_DEFINE_CHANNEL never lets one through.
    status = sdk::Status::Error(std::string("threw across the plugin boundary: ") + e.what());
    channel = nullptr;
  } catch (...) {
    status = sdk::Status::Error("threw an unknown exception across the plugin boundary");
    channel = nullptr;
  }
  if (channel == nullptr) {
    return Refuse(kCreateFailed, what + "the plugin " + library_path +
                                     " could not create the channel: " + status.message);
  }
  return std::make_unique<LoadedChannel>(name, library_path, opened.value().handle, channel,
                                         destroy);
}

}  // namespace vikno
