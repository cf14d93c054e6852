// One Open311 answer, written once and rendered as JSON or XML (GeoReport v2
// "Format Support": the format is the resource's suffix, .json or .xml).
//
// A Node is null, a boolean, a number, a string, a list or an object whose
// fields keep their order. A list carries the XML element name of its items
// ("service" inside <services>), which JSON does not need; an object rendered
// at the top of an XML document needs the root name the caller gives.
// Identifiers are strings everywhere (the schemas of open311/schema-validation).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace vikno::http::open311 {

class Node {
 public:
  struct List {
    std::string item_name;  // XML element of each item
    std::vector<Node> items;
  };
  using Fields = std::vector<std::pair<std::string, Node>>;

  Node() = default;  // null
  static Node Null() { return Node(); }
  static Node Bool(bool b);
  static Node Number(double d);
  static Node Integer(long long n);
  static Node String(std::string s);
  static Node Object();
  static Node MakeList(std::string item_name);

  // Object fields in order; Set on a non-object is a programming error.
  Node& Set(const std::string& name, Node value);
  Node& Add(Node item);  // list items

  bool is_null() const { return kind_ == Kind::kNull; }

  std::string Json() const;
  // The whole document: <?xml ...?> then <root_name> with this node inside.
  std::string Xml(const std::string& root_name) const;

 private:
  enum class Kind { kNull, kBool, kNumber, kInteger, kString, kObject, kList };
  void WriteJson(std::string& out) const;
  void WriteXml(std::string& out, const std::string& name) const;

  Kind kind_ = Kind::kNull;
  bool bool_ = false;
  double number_ = 0;
  long long integer_ = 0;
  std::string string_;
  std::shared_ptr<Fields> fields_;
  std::shared_ptr<List> list_;
};

}  // namespace vikno::http::open311
