// The staff panel's static files (issue 5): <web_dir>/panel/** under /panel/,
// the residents' portal (the web chat, issue 4) <web_dir>/portal/** under
// /portal/, and / redirected to /panel/. Only regular files inside the
// folder are served: a path with a "." or ".." segment, a hidden name, a backslash or a
// NUL is a 404, and the resolved file (symbolic links followed) must still lie
// inside the folder, so neither "../" (percent-encoded or not) nor a link
// escapes it. Answers carry the file's Content-Type, an ETag and
// Last-Modified (a matching If-None-Match is a 304), "Cache-Control: no-cache"
// (revalidate, so a deployment shows at once) and a strict
// Content-Security-Policy: no inline script or style, nothing from elsewhere,
// no framing.
#pragma once

#include <filesystem>
#include <string>

#include "http/router.h"

namespace vikno::http {

// The policy sent with every panel file.
inline constexpr const char* kPanelCsp =
    "default-src 'self'; img-src 'self' blob:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

// The Content-Type for a file name's extension; "" for a type not served.
std::string ContentTypeFor(const std::filesystem::path& file);

// Registers GET and HEAD of "/", "/panel", "/panel/{path...}", "/portal" and
// "/portal/{path...}", without auth.
// A missing web_dir is not an error: its files answer 404.
void RegisterStaticRoutes(Router& router, const std::filesystem::path& web_dir);

}  // namespace vikno::http
