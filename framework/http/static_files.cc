#include "http/static_files.h"

#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Timestamp.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <system_error>

namespace vikno::http {
namespace fs = std::filesystem;
namespace {

// Panel files are small; a larger one is a mistake in the deployment, not
// something to stream into a browser.
constexpr std::uintmax_t kMaxFileBytes = 16u << 20;

Reply Redirect(int status, const std::string& location) {
  Reply r{status, "", {}, "text/plain; charset=utf-8"};
  r.headers.emplace_back("Location", location);
  r.headers.emplace_back("Content-Security-Policy", kPanelCsp);
  return r;
}

// Segments as the router split them (already percent-decoded, no empty ones).
bool SafeSegments(const std::string& relative) {
  size_t i = 0;
  while (i <= relative.size()) {
    size_t j = relative.find('/', i);
    if (j == std::string::npos) j = relative.size();
    const std::string segment = relative.substr(i, j - i);
    // ".", "..", ".git", ".env": nothing hidden or relative is ever a panel file.
    if (segment.empty() || segment.front() == '.') return false;
    if (segment.find('\\') != std::string::npos || segment.find('\0') != std::string::npos)
      return false;
    i = j + 1;
  }
  return true;
}

// True when `path` is `root` or below it; both canonical.
bool Inside(const fs::path& root, const fs::path& path) {
  auto r = root.begin();
  auto p = path.begin();
  for (; r != root.end(); ++r, ++p) {
    if (p == path.end() || *p != *r) return false;
  }
  return true;
}

std::string HttpDate(fs::file_time_type t) {
  const auto sys = std::chrono::file_clock::to_sys(t);
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(sys.time_since_epoch()).count();
  return Poco::DateTimeFormatter::format(Poco::Timestamp(micros),
                                         Poco::DateTimeFormat::HTTP_FORMAT);
}

Reply NotFound(const std::string& shown) {
  Reply r{404, "not found: " + shown + "\n", {}, "text/plain; charset=utf-8"};
  r.headers.emplace_back("Content-Security-Policy", kPanelCsp);
  return r;
}

// `mount` ("/panel/", "/portal/") is only for the 404's text.
Reply ServeFile(Call& call, const fs::path& panel_dir, const std::string& mount,
                const std::string& relative) {
  if (!SafeSegments(relative)) return NotFound(mount + relative);
  std::error_code ec;
  const fs::path root = fs::canonical(panel_dir, ec);
  if (ec) return NotFound(mount + relative);
  const fs::path file = fs::canonical(root / relative, ec);
  // canonical() follows every link: a link pointing outside the folder lands
  // outside `root` and is refused here.
  if (ec || !Inside(root, file) || !fs::is_regular_file(file, ec))
    return NotFound(mount + relative);
  const std::string type = ContentTypeFor(file);
  const auto size = fs::file_size(file, ec);
  if (type.empty() || ec || size > kMaxFileBytes) return NotFound(mount + relative);
  const auto mtime = fs::last_write_time(file, ec);
  if (ec) return NotFound(mount + relative);

  char etag[64];
  std::snprintf(etag, sizeof etag, "\"%jx-%llx\"", static_cast<uintmax_t>(size),
                static_cast<unsigned long long>(mtime.time_since_epoch().count()));
  Reply reply{200, "", {}, type};
  reply.headers.emplace_back("ETag", etag);
  reply.headers.emplace_back("Last-Modified", HttpDate(mtime));
  reply.headers.emplace_back("Cache-Control", "no-cache");
  reply.headers.emplace_back("Content-Security-Policy", kPanelCsp);
  reply.headers.emplace_back("Cross-Origin-Opener-Policy", "same-origin");
  const std::string if_none_match = call.request().get("If-None-Match", "");
  if (!if_none_match.empty() && if_none_match.find(etag) != std::string::npos) {
    reply.status = 304;
    return reply;
  }
  std::ifstream in(file, std::ios::binary);
  std::ostringstream body;
  body << in.rdbuf();
  if (!in && !in.eof()) return NotFound(mount + relative);
  reply.json = body.str();
  return reply;
}

}  // namespace

std::string ContentTypeFor(const fs::path& file) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
  };
  const std::string ext = file.extension().string();
  for (const auto& [e, type] : kTypes)
    if (ext == e) return type;
  return "";
}

void RegisterStaticRoutes(Router& router, const fs::path& web_dir) {
  for (const char* method : {"GET", "HEAD"}) {
    router.Add(
        method, "/", [](Call&) { return Redirect(302, "/panel/"); }, /*needs_auth=*/false);
    // The dashboard's charts (R27): chart.js as Debian ships it (package
    // libjs-chart.js, kept up to date by the system), not a copy in the repo;
    // registered before /panel/{path...} so it is found first. Not installed:
    // 404, and the dashboard shows its figures as tables.
    router.Add(
        method, "/panel/vendor/chart.min.js",
        [](Call& call) {
          return ServeFile(call, "/usr/share/javascript/chart.js", "/panel/vendor/",
                           "chart.min.js");
        },
        /*needs_auth=*/false);
    // The staff panel and the residents' portal (the web chat, issue 4), each
    // from its own folder under the same rules.
    for (const std::string name : {"panel", "portal"}) {
      const fs::path folder = web_dir / name;
      const std::string mount = "/" + name + "/";
      // "/panel" and "/panel/" split alike; the trailing slash decides, so
      // that the page's relative links resolve under /panel/.
      router.Add(
          method, "/" + name,
          [folder, mount](Call& call) {
            const std::string uri = call.request().getURI();
            const std::string path = uri.substr(0, uri.find('?'));
            if (path.empty() || path.back() != '/') return Redirect(301, mount);
            return ServeFile(call, folder, mount, "index.html");
          },
          /*needs_auth=*/false);
      router.Add(
          method, "/" + name + "/{path...}",
          [folder, mount](Call& call) {
            return ServeFile(call, folder, mount, call.Param("path"));
          },
          /*needs_auth=*/false);
    }
  }
}

}  // namespace vikno::http
