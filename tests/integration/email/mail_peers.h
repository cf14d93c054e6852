// Shared by the e-mail channel tests and bench: the real peers on loopback,
// each started here and stopped by its destructor:
//   Dovecot   a private Dovecot (Debian dovecot-core/-pop3d/-imapd) from
//             tests/peers/dovecot/dovecot.conf.in in a temp dir, free ports
//   SmtpSink  npm smtp-server via tests/peers/smtp-sink.js, handing local
//             recipients to that Dovecot with dovecot-lda
//   MailTool  nodemailer (compose) and mailparser (parse): independent MIME
// and TestHost, the test double of the vikno host (tests/support/channel_host.h)
// recording what the channel delivers and reports.
#pragma once

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/POP3ClientSession.h>
#include <Poco/Net/SMTPClientSession.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/channel_host.h"
#include "vikno/sdk/host.h"

namespace vikno::email::testing {

namespace fs = std::filesystem;

using vikno::testing::WaitFor;

inline int FreePort() {
  Poco::Net::ServerSocket probe(Poco::Net::SocketAddress("127.0.0.1", 0));
  int port = probe.address().port();
  probe.close();
  return port;
}

inline bool Accepts(int port) {
  try {
    Poco::Net::StreamSocket s;
    s.connect(Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(port)),
              Poco::Timespan(0, 200000));
    return true;
  } catch (const Poco::Exception&) {
    return false;
  }
}

inline std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline fs::path MakeTempDir(const std::string& tag) {
  std::string templ = (fs::temp_directory_path() / ("vikno-" + tag + "-XXXXXX")).string();
  if (mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return templ;
}

// Runs `program args` with `input` on stdin; its stdout, or "" and *error.
inline std::string RunCapture(const std::string& program, const std::vector<std::string>& args,
                              const std::string& input, std::string* error,
                              const Poco::Process::Env& env = {}) {
  Poco::Pipe in, out, err;
  Poco::ProcessHandle handle =
      Poco::Process::launch(program, args, VIKNO_TEST_PEERS_DIR, &in, &out, &err, env);
  std::thread writer([&] {
    Poco::PipeOutputStream w(in);
    w.write(input.data(), static_cast<std::streamsize>(input.size()));
    w.close();
  });
  std::string stdout_text, stderr_text;
  std::thread err_reader([&] {
    Poco::PipeInputStream e(err);
    Poco::StreamCopier::copyToString(e, stderr_text);
  });
  Poco::PipeInputStream o(out);
  Poco::StreamCopier::copyToString(o, stdout_text);
  writer.join();
  err_reader.join();
  int rc = handle.wait();
  if (rc != 0) {
    *error = program + " exited " + std::to_string(rc) + ": " + stderr_text;
    return "";
  }
  return stdout_text;
}

inline Poco::JSON::Object::Ptr ParseJson(const std::string& json) {
  Poco::JSON::Parser parser;
  return parser.parse(json).extract<Poco::JSON::Object::Ptr>();
}

// nodemailer / mailparser through tests/peers/mail-tool.js.
struct MailTool {
  static Poco::Process::Env Env() {
    return {{"NODE_PATH", (fs::path(VIKNO_TEST_PEERS_DIR) / "node_modules").string()}};
  }
  static Poco::JSON::Object::Ptr Parse(const std::string& raw, std::string* error) {
    std::string json = RunCapture("node", {"mail-tool.js", "parse"}, raw, error, Env());
    return json.empty() ? nullptr : ParseJson(json);
  }
  static std::string Compose(const std::string& spec_json, std::string* error) {
    return RunCapture("node", {"mail-tool.js", "compose"}, spec_json, error, Env());
  }
};

class Dovecot {
 public:
  // users: name -> password
  explicit Dovecot(const std::map<std::string, std::string>& users) {
    if (!fs::exists("/usr/sbin/dovecot")) {
      error_ =
          "dovecot is not installed (apt-get install dovecot-core dovecot-pop3d dovecot-imapd)";
      return;
    }
    if (geteuid() != 0) {
      error_ = "the private Dovecot must be started as root (its master drops to the mail users)";
      return;
    }
    dir_ = MakeTempDir("dovecot");
    fs::permissions(dir_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
    for (const char* sub : {"mail", "home", "run", "state"}) fs::create_directories(dir_ / sub);
    fs::permissions(dir_ / "mail", fs::perms::all);
    fs::permissions(dir_ / "home", fs::perms::all);
    pop3_port_ = FreePort();
    imap_port_ = FreePort();
    std::string conf = ReadFile(fs::path(VIKNO_TEST_PEERS_DIR) / "dovecot" / "dovecot.conf.in");
    auto replace = [&](const std::string& key, const std::string& value) {
      for (size_t pos; (pos = conf.find(key)) != std::string::npos;)
        conf.replace(pos, key.size(), value);
    };
    replace("@DIR@", dir_.string());
    replace("@POP3_PORT@", std::to_string(pop3_port_));
    replace("@IMAP_PORT@", std::to_string(imap_port_));
    std::ofstream(dir_ / "dovecot.conf") << conf;
    std::ofstream users_file(dir_ / "users");
    for (const auto& [name, password] : users) users_file << name << ":{PLAIN}" << password << "\n";
    users_file.close();
    try {
      handle_ = std::make_unique<Poco::ProcessHandle>(
          Poco::Process::launch("/usr/sbin/dovecot", {"-F", "-c", conf_path()}, dir_.string(),
                                nullptr, nullptr, nullptr));
    } catch (const Poco::Exception& e) {
      error_ = "cannot start dovecot: " + e.displayText();
      return;
    }
    if (!WaitFor([&] { return Accepts(pop3_port_); }, std::chrono::seconds(10)))
      error_ = "dovecot did not open POP3: " + ReadFile(dir_ / "dovecot.log");
  }
  ~Dovecot() {
    if (handle_) {
      Poco::Process::requestTermination(handle_->id());
      handle_->wait();
    }
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  const std::string& error() const { return error_; }
  int pop3_port() const { return pop3_port_; }
  std::string conf_path() const { return (dir_ / "dovecot.conf").string(); }
  std::string log() const { return ReadFile(dir_ / "dovecot.log"); }

  // Puts `raw` into `user`'s mailbox as a local delivery would.
  std::string Inject(const std::string& user, const std::string& raw) {
    std::string error;
    RunCapture("/usr/lib/dovecot/dovecot-lda", {"-c", conf_path(), "-d", user, "-f", "sender@test"},
               raw, &error);
    return error;
  }

  // Every message in the mailbox, raw, read over POP3 (not deleted).
  std::vector<std::string> Messages(const std::string& user, const std::string& password) {
    Poco::Net::POP3ClientSession pop("127.0.0.1", static_cast<Poco::UInt16>(pop3_port_));
    pop.login(user, password);
    Poco::Net::POP3ClientSession::MessageInfoVec list;
    pop.listMessages(list);
    std::vector<std::string> out;
    for (const auto& info : list) {
      std::ostringstream raw;
      pop.retrieveMessage(info.id, raw);
      out.push_back(raw.str());
    }
    pop.close();
    return out;
  }

 private:
  std::string error_;
  fs::path dir_;
  int pop3_port_ = 0;
  int imap_port_ = 0;
  std::unique_ptr<Poco::ProcessHandle> handle_;
};

class SmtpSink {
 public:
  explicit SmtpSink(std::map<std::string, std::string> env) {
    const fs::path peers = VIKNO_TEST_PEERS_DIR;
    if (!fs::exists(peers / "node_modules" / "smtp-server")) {
      error_ = "smtp-server is not installed: run `npm ci --prefix tests/peers`";
      return;
    }
    dir_ = MakeTempDir("smtp-sink");
    env["SINK_DIR"] = dir_.string();
    env["NODE_PATH"] = (peers / "node_modules").string();
    Poco::Process::Env penv(env.begin(), env.end());
    try {
      handle_ = std::make_unique<Poco::ProcessHandle>(
          Poco::Process::launch("node", {(peers / "smtp-sink.js").string(), "0"}, peers.string(),
                                &in_, &out_, nullptr, penv));
    } catch (const Poco::Exception& e) {
      error_ = "cannot start node: " + e.displayText();
      return;
    }
    Poco::PipeInputStream out(out_);
    std::string word, address;
    out >> word >> address;
    if (word != "listening" || address.rfind(':') == std::string::npos) {
      error_ = "the SMTP sink did not start";
      return;
    }
    port_ = std::stoi(address.substr(address.rfind(':') + 1));
  }
  ~SmtpSink() {
    if (handle_) {
      in_.close();
      Poco::Process::requestTermination(handle_->id());
      handle_->wait();
    }
    std::error_code ec;
    if (!dir_.empty()) fs::remove_all(dir_, ec);
  }
  const std::string& error() const { return error_; }
  int port() const { return port_; }

  // What the sink accepted, in order: its JSON record and the raw message.
  struct Accepted {
    Poco::JSON::Object::Ptr record;
    std::string raw;
  };
  std::vector<Accepted> accepted() const {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir_))
      if (e.path().extension() == ".json") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    std::vector<Accepted> out;
    for (const auto& f : files) {
      fs::path eml = f;
      eml.replace_extension(".eml");
      out.push_back({ParseJson(ReadFile(f)), ReadFile(eml)});
    }
    return out;
  }
  size_t accepted_count() const {
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(dir_)) n += e.path().extension() == ".json";
    return n;
  }

 private:
  std::string error_;
  fs::path dir_;
  int port_ = 0;
  Poco::Pipe in_, out_;
  std::unique_ptr<Poco::ProcessHandle> handle_;
};

// A resident's mail program submitting `raw` from `from` to `to` through
// the SMTP peer on `port` (AUTH LOGIN); "" or the peer's refusal.
inline std::string SubmitMail(int port, const std::string& user, const std::string& password,
                              const std::string& from, const std::string& to,
                              const std::string& raw) {
  try {
    Poco::Net::SMTPClientSession smtp("127.0.0.1", static_cast<Poco::UInt16>(port));
    smtp.login("residents-pc", Poco::Net::SMTPClientSession::AUTH_LOGIN, user, password);
    smtp.sendAddresses(from, {to});
    std::istringstream in(raw);
    std::string response;
    // Poco 1.11's sendMessage(istream) streams the data without sending DATA.
    if (int code = smtp.sendCommand("DATA", response); code != 354)
      return "DATA answered " + std::to_string(code) + ": " + response;
    smtp.sendMessage(in);
    smtp.close();
  } catch (const Poco::Exception& e) {
    return "the SMTP peer refused the mail: " + e.displayText();
  }
  return "";
}

// The host double: the common one (tests/support/channel_host.h), taking no
// webhooks, as the host does for a channel that polls.
class TestHost final : public vikno::testing::ChannelHost {
 public:
  TestHost() : ChannelHost("email", Webhooks::kNone) {}
};

}  // namespace vikno::email::testing
