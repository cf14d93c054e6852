// The city's services (executors) and its classifier tree (R9, 000 §7).
#pragma once

#include <string>

namespace vikno {

// A service that fixes things: КП «Міськводоканал», a housing company...
struct Executor {
  std::string id;    // stable code: "vodokanal"
  std::string name;  // "КП «Міськводоканал»"
  std::string phone;
  std::string email;
  std::string head;  // who gets the letters about late work (002 §9.2.1)
  bool active = true;
};

// One node of the classifier tree. Leaves carry the default executor and type.
struct Category {
  std::string id;         // path-like code: "water/no-water"
  std::string parent_id;  // empty for a root
  std::string name;       // "Відсутнє водопостачання"
  std::string executor_id;  // default executor for appeals of this category
  std::string type;         // default appeal type: "sos", "emergency", "ordinary"...
};

}  // namespace vikno
