#include "host/user_command.h"

#include <Poco/String.h>

#include "host/commands.h"
#include "host/logging.h"
#include "host/store_factory.h"

namespace vikno {
namespace {

class SessionPurgeTask final : public Poco::Util::TimerTask {
 public:
  explicit SessionPurgeTask(http::Accounts& accounts) : accounts_(accounts) {}
  void run() override {
    try {
      const int64_t n = accounts_.PurgeExpired();
      if (n > 0)
        Log(Poco::Message::PRIO_INFORMATION, "accounts", "expired sessions deleted",
            {{"count", n}});
    } catch (const std::exception& e) {
      // Expired sessions are refused on use anyway; the next run tries again.
      Log(Poco::Message::PRIO_WARNING, "accounts", "purging sessions failed",
          {{"error", std::string(e.what())}});
    }
  }

 private:
  http::Accounts& accounts_;
};

std::vector<std::string> SplitComma(const std::string& text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= text.size() && !text.empty()) {
    size_t j = text.find(',', i);
    if (j == std::string::npos) j = text.size();
    const std::string item = Poco::trim(text.substr(i, j - i));
    if (!item.empty()) out.push_back(item);
    i = j + 1;
  }
  return out;
}

}  // namespace

int UserAddCommand(const Config& config, const std::map<std::string, std::string>& options,
                   std::ostream& out, std::ostream& err) {
  auto get = [&](const char* name) {
    auto it = options.find(name);
    return it == options.end() ? std::string() : it->second;
  };
  if (get("login").empty() || get("role").empty()) {
    err << "usage: vikno user add --login LOGIN --role ROLE [--name NAME] [--services a,b]\n";
    return kExitUsage;
  }
  try {
    auto store = OpenStore(config);
    store->Migrate();
    SystemClock clock;
    http::Accounts accounts(*store, clock, config.accounts);
    http::Accounts::UserInput input;
    input.login = get("login");
    input.name = get("name");
    input.role = get("role");
    input.services = SplitComma(get("services"));
    auto created = accounts.CreateUser(input, Actor::System("cli"));
    if (!created) {
      err << "vikno: user not created: " << created.refusal().message << " ("
          << created.refusal().code << ")\n";
      return kExitFailure;
    }
    out << "user " << created->user.login << " (" << created->user.role
        << ") created; password: " << created->generated_password << "\n";
    return kExitOk;
  } catch (const std::exception& e) {
    err << "vikno: user not created: " << e.what() << "\n";
    return kExitFailure;
  }
}

int TotpResetCommand(const Config& config, const std::map<std::string, std::string>& options,
                     std::ostream& out, std::ostream& err) {
  auto it = options.find("user");
  if (it == options.end() || it->second.empty()) {
    err << "usage: vikno staff totp-reset --user LOGIN\n";
    return kExitUsage;
  }
  try {
    auto store = OpenStore(config);
    store->Migrate();
    SystemClock clock;
    http::Accounts accounts(*store, clock, config.accounts);
    auto reset = accounts.ResetTwoFactor(it->second, Actor::System("cli"));
    if (!reset) {
      err << "vikno: two-factor not reset: " << reset.refusal().message << " ("
          << reset.refusal().code << ")\n";
      return kExitFailure;
    }
    out << "two-factor sign-in of " << http::Accounts::NormaliseLogin(it->second)
        << " removed; its sessions ended\n";
    return kExitOk;
  } catch (const std::exception& e) {
    err << "vikno: two-factor not reset: " << e.what() << "\n";
    return kExitFailure;
  }
}

void BootstrapAdministrator(http::Accounts& accounts, const std::string& url, std::ostream& out) {
  auto password = accounts.BootstrapAdministrator("admin");
  if (!password) return;
  Log(Poco::Message::PRIO_NOTICE, "accounts", "first administrator 'admin' created");
  // Shown once, on stdout only (never in the log).
  out << "panel: " << url << "/panel/ login admin password " << *password << "\n";
}

Poco::Util::TimerTask* NewSessionPurgeTask(http::Accounts& accounts) {
  return new SessionPurgeTask(accounts);
}

}  // namespace vikno
