// Runs the built `vikno` binary as a child process with its stdout and
// stderr captured in files, for the host tests.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace vikno::testing {

class Subprocess {
 public:
  Subprocess(const std::vector<std::string>& argv, const std::filesystem::path& out_dir,
             const std::filesystem::path& cwd = {})
      : out_(out_dir / "stdout.txt"), err_(out_dir / "stderr.txt") {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    // Run from `cwd` through /bin/sh so relative paths in configs resolve there.
    std::string command;
    if (!cwd.empty()) command = "cd '" + cwd.string() + "' && ";
    command += "exec";
    for (const auto& a : argv) command += " '" + a + "'";
    const char* args[] = {"/bin/sh", "-c", command.c_str(), nullptr};
    if (posix_spawn(&pid_, "/bin/sh", &actions, nullptr, const_cast<char**>(args), environ) != 0)
      throw std::runtime_error("cannot start " + argv.front());
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Subprocess() {
    if (!exited_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      waitpid(pid_, &status, 0);
    }
  }

  pid_t pid() const { return pid_; }
  void Signal(int sig) { ::kill(pid_, sig); }

  // The exit code, or nullopt if the process is still running after `limit`.
  // A death by signal is reported as 128 + signal, like a shell.
  std::optional<int> Wait(std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (true) {
      int status = 0;
      const pid_t r = waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      if (std::chrono::steady_clock::now() >= until) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  std::string Stdout() const { return Read(out_); }
  std::string Stderr() const { return Read(err_); }

  // Waits until stdout contains `text`; false on exit or time-out.
  bool WaitForOutput(const std::string& text, std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      if (Stdout().find(text) != std::string::npos) return true;
      int status = 0;
      if (!exited_ && waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return Stdout().find(text) != std::string::npos;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

 private:
  static std::string Read(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  std::filesystem::path out_, err_;
  pid_t pid_ = 0;
  bool exited_ = false;
};

}  // namespace vikno::testing
