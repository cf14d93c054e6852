// vikno/sdk/version.h: the SDK's ABI number and the build facts a host checks
// before it runs any code of a plugin.
//
// A plugin and the host exchange C++ objects (std::string, std::vector,
// virtual calls), so they must agree on two things:
//   * kAbiVersion: the layout and meaning of every type in vikno/sdk/. It is
//     raised whenever any SDK type or virtual method changes; there is one
//     number for the whole SDK, never one per header.
//   * the C++ standard library's ABI (which library, its dual-ABI switch and
//     its major release), given by VIKNO_SDK_BUILD_INFO.
// The host reads both through the entry points in vikno/sdk/entry.h and
// refuses a plugin that differs in either, naming both values.
//
// Thread-safety: constants only.
#pragma once

// Any standard header defines the library macros tested below (__GLIBCXX__,
// _GLIBCXX_USE_CXX11_ABI, _LIBCPP_VERSION); it must come before the #if.
#include <string>

namespace vikno::sdk {

// Raised on every change to a type or virtual method in vikno/sdk/.
inline constexpr int kAbiVersion = 1;

}  // namespace vikno::sdk

// Marks a function as exported from the plugin's shared library even when the
// plugin is built with -fvisibility=hidden (recommended).
#if defined(_WIN32)
#define VIKNO_EXPORT __declspec(dllexport)
#else
#define VIKNO_EXPORT __attribute__((visibility("default")))
#endif

#define VIKNO_SDK_STR_(x) #x
#define VIKNO_SDK_STR(x) VIKNO_SDK_STR_(x)

// Which C++ standard library this translation unit is compiled against.
// Only these fields are compared by the host; "compiler" is reported in
// messages but not compared, because gcc and clang share the Itanium C++ ABI
// and the std types that cross the boundary come from the library headers.
#if defined(_LIBCPP_VERSION)
#define VIKNO_SDK_STDLIB_ \
  "stdlib=libc++;stdlib_release=" VIKNO_SDK_STR(_LIBCPP_VERSION) ";cxx11_abi=0"
#elif defined(__GLIBCXX__) && defined(_GLIBCXX_RELEASE)
#define VIKNO_SDK_STDLIB_                                                                         \
  "stdlib=libstdc++;stdlib_release=" VIKNO_SDK_STR(_GLIBCXX_RELEASE) ";cxx11_abi=" VIKNO_SDK_STR( \
      _GLIBCXX_USE_CXX11_ABI)
#else
#define VIKNO_SDK_STDLIB_ "stdlib=unknown;stdlib_release=0;cxx11_abi=0"
#endif

#if defined(__clang__)
#define VIKNO_SDK_COMPILER_ "compiler=clang " __clang_version__
#elif defined(__GNUC__)
#define VIKNO_SDK_COMPILER_ "compiler=gcc " __VERSION__
#else
#define VIKNO_SDK_COMPILER_ "compiler=unknown"
#endif

// "stdlib=libstdc++;stdlib_release=12;cxx11_abi=1;compiler=gcc 12.2.0":
// what vikno_plugin_build_info() returns. The standard library headers must
// be included for the macros above to be set, hence <string> at the top.
#define VIKNO_SDK_BUILD_INFO VIKNO_SDK_STDLIB_ ";" VIKNO_SDK_COMPILER_
