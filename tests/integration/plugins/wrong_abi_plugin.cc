// A plugin built for another SDK (ABI 999). The host must refuse it after
// reading vikno_plugin_abi and never call anything else: its create function
// leaves a marker file (settings "marker") and aborts the process, so a host
// that calls it fails the test twice over.
#include <cstdio>
#include <cstdlib>

#include "vikno/sdk/entry.h"

extern "C" VIKNO_EXPORT int vikno_plugin_abi(void) { return 999; }
extern "C" VIKNO_EXPORT const char* vikno_plugin_build_info(void) { return VIKNO_SDK_BUILD_INFO; }
extern "C" VIKNO_EXPORT vikno::sdk::Channel* vikno_create_channel(
    const vikno::sdk::Settings* settings, vikno::sdk::Status* status) {
  std::string marker = settings->String("marker");
  if (!marker.empty()) {
    if (FILE* f = std::fopen(marker.c_str(), "w")) {
      std::fputs("vikno_create_channel of an ABI 999 plugin was called\n", f);
      std::fclose(f);
    }
  }
  std::abort();
}
extern "C" VIKNO_EXPORT void vikno_destroy_channel(vikno::sdk::Channel*) { std::abort(); }
