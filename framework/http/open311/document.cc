#include "http/open311/document.h"

#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace vikno::http::open311 {

Node Node::Bool(bool b) {
  Node n;
  n.kind_ = Kind::kBool;
  n.bool_ = b;
  return n;
}

Node Node::Number(double d) {
  Node n;
  n.kind_ = std::isfinite(d) ? Kind::kNumber : Kind::kNull;
  n.number_ = d;
  return n;
}

Node Node::Integer(long long v) {
  Node n;
  n.kind_ = Kind::kInteger;
  n.integer_ = v;
  return n;
}

Node Node::String(std::string s) {
  Node n;
  n.kind_ = Kind::kString;
  n.string_ = std::move(s);
  return n;
}

Node Node::Object() {
  Node n;
  n.kind_ = Kind::kObject;
  n.fields_ = std::make_shared<Fields>();
  return n;
}

Node Node::MakeList(std::string item_name) {
  Node n;
  n.kind_ = Kind::kList;
  n.list_ = std::make_shared<List>();
  n.list_->item_name = std::move(item_name);
  return n;
}

Node& Node::Set(const std::string& name, Node value) {
  if (kind_ != Kind::kObject) throw std::logic_error("open311::Node::Set on a non-object");
  fields_->emplace_back(name, std::move(value));
  return *this;
}

Node& Node::Add(Node item) {
  if (kind_ != Kind::kList) throw std::logic_error("open311::Node::Add on a non-list");
  list_->items.push_back(std::move(item));
  return *this;
}

namespace {

void JsonString(std::string& out, const std::string& s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);  // UTF-8 passes through
        }
    }
  }
  out += '"';
}

// Text content of an element: the five XML escapes; control characters XML
// 1.0 cannot carry at all are dropped rather than producing a broken document.
void XmlText(std::string& out, const std::string& s) {
  for (unsigned char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (c < 0x20 && c != '\n' && c != '\r' && c != '\t') break;
        out += static_cast<char>(c);
    }
  }
}

std::string NumberText(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", d);
  return buf;
}

}  // namespace

void Node::WriteJson(std::string& out) const {
  switch (kind_) {
    case Kind::kNull: out += "null"; break;
    case Kind::kBool: out += bool_ ? "true" : "false"; break;
    case Kind::kNumber: out += NumberText(number_); break;
    case Kind::kInteger: out += std::to_string(integer_); break;
    case Kind::kString: JsonString(out, string_); break;
    case Kind::kObject: {
      out += '{';
      bool first = true;
      for (const auto& [name, value] : *fields_) {
        if (!first) out += ',';
        first = false;
        JsonString(out, name);
        out += ':';
        value.WriteJson(out);
      }
      out += '}';
      break;
    }
    case Kind::kList: {
      out += '[';
      for (size_t i = 0; i < list_->items.size(); ++i) {
        if (i) out += ',';
        list_->items[i].WriteJson(out);
      }
      out += ']';
      break;
    }
  }
}

void Node::WriteXml(std::string& out, const std::string& name) const {
  if (kind_ == Kind::kNull) {
    out += '<' + name + "/>";  // GeoReport's XML shows absent values as empty elements
    return;
  }
  out += '<' + name + '>';
  switch (kind_) {
    case Kind::kNull: break;
    case Kind::kBool: out += bool_ ? "true" : "false"; break;
    case Kind::kNumber: out += NumberText(number_); break;
    case Kind::kInteger: out += std::to_string(integer_); break;
    case Kind::kString: XmlText(out, string_); break;
    case Kind::kObject:
      for (const auto& [field, value] : *fields_) value.WriteXml(out, field);
      break;
    case Kind::kList:
      for (const auto& item : list_->items) item.WriteXml(out, list_->item_name);
      break;
  }
  out += "</" + name + '>';
}

std::string Node::Json() const {
  std::string out;
  WriteJson(out);
  return out;
}

std::string Node::Xml(const std::string& root_name) const {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  WriteXml(out, root_name);
  out += '\n';
  return out;
}

}  // namespace vikno::http::open311
