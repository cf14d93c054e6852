#include "host/open311_key_command.h"

#include <Poco/NumberParser.h>

#include "host/commands.h"
#include "host/store_factory.h"
#include "http/open311/api_keys.h"

namespace vikno {

namespace {

constexpr const char* kUsage =
    "usage: vikno open311-key issue --name LABEL | revoke ID | list [--config file]\n";

}  // namespace

int Open311KeyCommand(const Config& config, const std::vector<std::string>& args,
                      const std::map<std::string, std::string>& options, std::ostream& out,
                      std::ostream& err) {
  if (args.size() < 2) {
    err << kUsage;
    return kExitUsage;
  }
  const std::string& sub = args[1];
  if ((sub == "issue" || sub == "list") && args.size() != 2) {
    err << kUsage;
    return kExitUsage;
  }
  if (sub == "revoke" && args.size() != 3) {
    err << kUsage;
    return kExitUsage;
  }
  if (sub != "issue" && sub != "list" && sub != "revoke") {
    err << "vikno open311-key: unknown sub-command '" << sub << "'\n" << kUsage;
    return kExitUsage;
  }
  Poco::Int64 id = 0;
  if (sub == "revoke" &&
      (!Poco::NumberParser::tryParse64(args[2], id) || id <= 0 || std::to_string(id) != args[2])) {
    err << "vikno open311-key revoke: the key id must be a positive integer, not '" << args[2]
        << "'\n";
    return kExitUsage;
  }
  std::string label;
  if (auto it = options.find("name"); it != options.end()) label = it->second;
  if (sub == "issue" && label.empty()) {
    err << "vikno open311-key issue: --name says whom the key is for\n" << kUsage;
    return kExitUsage;
  }

  try {
    auto store = OpenStore(config);
    store->Migrate();
    SystemClock clock;
    http::open311::ApiKeyService keys(*store, clock);
    const Actor actor = Actor::System("cli");
    if (sub == "issue") {
      auto issued = keys.Issue(label, actor);
      if (!issued) {
        err << "vikno open311-key issue: " << issued.refusal().message << "\n";
        return kExitFailure;
      }
      out << "Open311 key " << issued->key.id << " (" << issued->key.label
          << ") issued; it is shown only now:\n"
          << issued->secret << "\n";
      return kExitOk;
    }
    if (sub == "revoke") {
      auto revoked = keys.Revoke(id, actor);
      if (!revoked) {
        err << "vikno open311-key revoke: " << revoked.refusal().message << "\n";
        return kExitFailure;
      }
      out << "Open311 key " << id << " (" << revoked->label << ") revoked\n";
      return kExitOk;
    }
    auto list = keys.List(actor);
    for (const auto& k : list.value()) {
      out << k.id << "\t" << (k.active() ? "active" : "revoked") << "\t" << k.label << "\t"
          << FormatIso8601(k.created_at) << "\t"
          << (k.revoked_at ? FormatIso8601(*k.revoked_at) : std::string("-")) << "\n";
    }
    return kExitOk;
  } catch (const std::exception& e) {
    err << "vikno open311-key: store (" << config.storage.backend << "): " << e.what() << "\n";
    return kExitFailure;
  }
}

}  // namespace vikno
