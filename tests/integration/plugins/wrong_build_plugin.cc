// A plugin with the right ABI number but built against the other libstdc++
// dual ABI (std::string laid out differently): refused by the build check,
// create never called (it aborts).
#include <cstdlib>

#include "vikno/sdk/entry.h"

#if defined(_GLIBCXX_USE_CXX11_ABI) && _GLIBCXX_USE_CXX11_ABI
#define OTHER_CXX11_ABI "0"
#else
#define OTHER_CXX11_ABI "1"
#endif

extern "C" VIKNO_EXPORT int vikno_plugin_abi(void) { return vikno::sdk::kAbiVersion; }
extern "C" VIKNO_EXPORT const char* vikno_plugin_build_info(void) {
#if defined(_GLIBCXX_RELEASE)
  return "stdlib=libstdc++;stdlib_release=" VIKNO_SDK_STR(
      _GLIBCXX_RELEASE) ";cxx11_abi=" OTHER_CXX11_ABI ";compiler=test";
#else
  return "stdlib=libstdc++;stdlib_release=12;cxx11_abi=" OTHER_CXX11_ABI ";compiler=test";
#endif
}
extern "C" VIKNO_EXPORT vikno::sdk::Channel* vikno_create_channel(const vikno::sdk::Settings*,
                                                                  vikno::sdk::Status*) {
  std::abort();
}
extern "C" VIKNO_EXPORT void vikno_destroy_channel(vikno::sdk::Channel*) { std::abort(); }
