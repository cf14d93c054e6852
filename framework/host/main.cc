// The `vikno` binary: the host's composition root (DESIGN.md: no global
// singletons beyond this). Parses the command line and runs one sub-command
// (host/commands.h).
//
//   vikno serve        [--config config/vikno.yaml]
//   vikno migrate      [--config ...]
//   vikno check-config [--config ...]
//   vikno purge        [--config ...]
//   vikno rules test <city-dir>
//   vikno user add --login L --role R [--name N] [--services a,b]
//   vikno staff totp-reset --user L
//   vikno import addresses <csv> [--config ...]
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>
#include <Poco/Util/ServerApplication.h>
#include <pthread.h>

#include <csignal>
#include <iostream>

#include "host/city.h"
#include "host/commands.h"
#include "host/config.h"
#include "host/logging.h"
#include "host/open311_key_command.h"
#include "host/user_command.h"

namespace vikno {
namespace {

constexpr const char* kDefaultConfig = "config/vikno.yaml";

// sigwait() in waitForTerminationRequest only receives a signal that every
// thread blocks; threads inherit the mask, so block before any is started.
void BlockTerminationSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGQUIT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

class ViknoApp final : public Poco::Util::ServerApplication {
 protected:
  void defineOptions(Poco::Util::OptionSet& options) override {
    ServerApplication::defineOptions(options);
    options.addOption(
        Poco::Util::Option("config", "c",
                           "configuration file (default " + std::string(kDefaultConfig) + ")")
            .required(false)
            .repeatable(false)
            .argument("file")
            .callback(Poco::Util::OptionCallback<ViknoApp>(this, &ViknoApp::OnConfig)));
    options.addOption(Poco::Util::Option("help", "h", "show this help")
                          .required(false)
                          .repeatable(false)
                          .callback(Poco::Util::OptionCallback<ViknoApp>(this, &ViknoApp::OnHelp)));
    // vikno user add (issue 5)
    // and vikno staff totp-reset --user (B10)
    for (const char* name : {"login", "role", "name", "services", "user"})
      options.addOption(Poco::Util::Option(name, "", std::string("vikno user add: ") + name)
                            .required(false)
                            .repeatable(false)
                            .argument("value")
                            .callback(Poco::Util::OptionCallback<ViknoApp>(
                                this, &ViknoApp::OnUserOption)));
  }

  int main(const ArgVec& args) override {
    if (help_) {
      Usage(std::cout);
      return kExitOk;
    }
    if (args.empty()) {
      Usage(std::cerr);
      return kExitUsage;
    }
    const std::string& command = args[0];
    if (command == "rules") {
      if (args.size() != 3 || args[1] != "test") {
        std::cerr << "usage: vikno rules test <city-dir>\n";
        return kExitUsage;
      }
      SetUpLogging("warning");
      return RunCityTestsCommand(args[2], std::cout, std::cerr);
    }
    if (command == "user") {
      if (args.size() != 2 || args[1] != "add") {
        std::cerr << "usage: vikno user add --login L --role R [--name N] [--services a,b]\n";
        return kExitUsage;
      }
      SetUpLogging("warning");
      try {
        return UserAddCommand(LoadConfig(config_path_), user_options_, std::cout, std::cerr);
      } catch (const ConfigError& e) {
        std::cerr << e.what() << "\n";
        return kExitConfig;
      }
    }
    if (command == "staff") {  // B10: an administrator locked out of two-factor sign-in
      if (args.size() != 2 || args[1] != "totp-reset") {
        std::cerr << "usage: vikno staff totp-reset --user LOGIN\n";
        return kExitUsage;
      }
      SetUpLogging("warning");
      try {
        return TotpResetCommand(LoadConfig(config_path_), user_options_, std::cout, std::cerr);
      } catch (const ConfigError& e) {
        std::cerr << e.what() << "\n";
        return kExitConfig;
      }
    }
    if (command == "open311-key") {  // B1: Open311 API keys
      SetUpLogging("warning");
      try {
        return Open311KeyCommand(LoadConfig(config_path_), args, user_options_, std::cout,
                                 std::cerr);
      } catch (const ConfigError& e) {
        std::cerr << e.what() << "\n";
        return kExitConfig;
      }
    }
    std::string import_file;
    if (command == "import") {
      if (args.size() != 3 || args[1] != "addresses") {
        std::cerr << "usage: vikno import addresses <csv> [--config file]\n";
        return kExitUsage;
      }
      import_file = args[2];
    } else if (args.size() != 1) {
      std::cerr << "vikno " << command << ": unexpected argument '" << args[1] << "'\n";
      return kExitUsage;
    }
    if (command == "check-config") return CheckConfigCommand(config_path_, std::cout, std::cerr);
    if (command != "serve" && command != "migrate" && command != "purge" && command != "import") {
      std::cerr << "vikno: unknown command '" << command << "'\n";
      Usage(std::cerr);
      return kExitUsage;
    }

    Config config;
    try {
      config = LoadConfig(config_path_);
    } catch (const ConfigError& e) {
      std::cerr << e.what() << "\n";
      return kExitConfig;
    }
    try {
      SetUpLogging(config.log_level);
    } catch (const std::invalid_argument& e) {
      std::cerr << config_path_ << ": log_level: " << e.what() << "\n";
      return kExitConfig;
    }
    if (command == "migrate") return MigrateCommand(config, std::cout, std::cerr);
    if (command == "purge") return PurgeCommand(config, std::cout, std::cerr);
    if (command == "import") return ImportAddressesCommand(config, import_file, std::cout, std::cerr);
    BlockTerminationSignals();
    return ServeCommand(config, std::cout, std::cerr, [this] { waitForTerminationRequest(); });
  }

 private:
  void OnConfig(const std::string&, const std::string& value) { config_path_ = value; }
  void OnUserOption(const std::string& name, const std::string& value) {
    user_options_[name] = value;
  }
  void OnHelp(const std::string&, const std::string&) {
    help_ = true;
    stopOptionsProcessing();
  }

  void Usage(std::ostream& out) {
    out << "usage: vikno <command> [--config file]\n"
           "commands:\n"
           "  serve          run the host (HTTP, REST API, channels, retention)\n"
           "  migrate        apply pending store migrations\n"
           "  check-config   validate the configuration file\n"
           "  purge          purge cards past the retention period now\n"
           "  rules test DIR run a city's tests.lua\n"
           "  user add --login L --role R [--name N] [--services a,b]\n"
           "                 create a staff account; prints its password\n"
           "  staff totp-reset --user L\n"
           "                 remove L's two-factor sign-in (lost phone and codes)\n"
           "  import addresses CSV  load the city's address registry (all or nothing)\n"
           "  open311-key issue --name LABEL | revoke ID | list\n"
           "                 Open311 API keys; issue prints the secret once\n"
           "options:\n"
           "  -c, --config FILE  configuration (default "
        << kDefaultConfig << ")\n";
  }

  std::string config_path_ = kDefaultConfig;
  bool help_ = false;
  std::map<std::string, std::string> user_options_;  // vikno user add
};

}  // namespace
}  // namespace vikno

int main(int argc, char** argv) {
  // Everything goes to stderr as JSON lines from the start; the configured
  // level replaces this once the configuration is read.
  vikno::SetUpLogging("information");
  vikno::ViknoApp app;
  try {
    return app.run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "vikno: " << e.what() << "\n";
    return vikno::kExitFailure;
  }
}
