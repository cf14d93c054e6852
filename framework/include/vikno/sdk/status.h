// vikno/sdk/status.h: the outcome of a plugin operation that can fail.
//
// No exception ever crosses the plugin boundary: a plugin catches its own
// exceptions and returns a Status instead; the host does the same towards the
// plugin. A failed Status carries one English sentence for the log, written
// for an operator ("telegram: token rejected by api.telegram.org (401)").
//
// Thread-safety: a plain value; copy it freely.
#pragma once

#include <string>
#include <utility>

namespace vikno::sdk {

struct Status {
  bool ok = true;
  std::string message;  // empty when ok

  static Status Ok() { return Status{}; }
  static Status Error(std::string message) { return Status{false, std::move(message)}; }
};

}  // namespace vikno::sdk
