#pragma once
// JSON as qd's files hold it (manifest.json, config.json): one writer for every file qd writes,
// and field access on simdjson's DOM for reading, with errors that name the file and the key.

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "qd/store/store_error.h"

namespace qd {

// Escapes a string for a JSON string literal (without the quotes).
std::string json_escape(std::string_view s);

// Builds indented JSON text. Keys and values alternate inside objects; the writer adds the
// commas, the quotes and the indentation.
class JsonWriter {
 public:
  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }
  JsonWriter& key(std::string_view name);

  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
  JsonWriter& value(bool b);
  JsonWriter& value(int64_t n);
  JsonWriter& value(uint64_t n);
  JsonWriter& value(int n) { return value(static_cast<int64_t>(n)); }
  JsonWriter& value(uint32_t n) { return value(static_cast<uint64_t>(n)); }
  // The shortest text that reads back as the same double. NaN and infinities have no JSON text,
  // and a file holding one could not be read back: std::domain_error naming the last key.
  JsonWriter& value(double d);
  JsonWriter& value(const std::vector<std::string>& strings);  // on one line
  JsonWriter& null();
  JsonWriter& raw(std::string_view json);  // a value already in JSON (a file embedded as it is)

  // `name` then `v`.
  template <class T>
  JsonWriter& field(std::string_view name, const T& v) {
    return key(name).value(v);
  }

  // The text, ending with a newline.
  std::string str() const { return text_ + "\n"; }

 private:
  void before_value();
  void newline();
  JsonWriter& open(char bracket);
  JsonWriter& close(char bracket);

  std::string text_;
  std::vector<bool> first_;  // per open container: nothing written in it yet
  bool after_key_ = false;
  std::string last_key_;  // for the messages
};

class JsonDocument;

// An object of a JsonDocument. Every accessor throws StoreError "<origin>: <what>" naming the key.
class JsonObject {
 public:
  JsonObject(simdjson::dom::object object, const std::string& origin)
      : object_(object), origin_(&origin) {}

  bool has(const char* key) const;
  std::string text(const char* key) const;
  int64_t i64(const char* key) const;
  uint64_t u64(const char* key) const;
  double real(const char* key) const;
  bool boolean(const char* key) const;
  std::vector<std::string> strings(const char* key) const;
  uint32_t hex32(const char* key) const;  // 8 hex digits, as CRC-32s are written
  JsonObject object(const char* key) const;
  std::vector<JsonObject> objects(const char* key) const;  // an array of objects

  // The same, by the type of `v`.
  void get(const char* key, std::string& v) const { v = text(key); }
  void get(const char* key, bool& v) const { v = boolean(key); }
  void get(const char* key, double& v) const { v = real(key); }
  void get(const char* key, int64_t& v) const { v = i64(key); }
  void get(const char* key, uint64_t& v) const { v = u64(key); }
  void get(const char* key, int& v) const;       // checked to fit
  void get(const char* key, uint32_t& v) const;  // checked to fit
  void get(const char* key, std::vector<std::string>& v) const { v = strings(key); }

  [[noreturn]] void fail(const std::string& what) const;
  const std::string& origin() const { return *origin_; }

 private:
  simdjson::dom::element at(const char* key) const;

  simdjson::dom::object object_;
  const std::string* origin_;
};

// A parsed JSON text whose root is an object (read a file with read_file()).
class JsonDocument {
 public:
  // Parses `json`; `origin` (a file name) starts every error message.
  JsonDocument(std::string_view json, std::string origin);
  JsonDocument(const JsonDocument&) = delete;
  JsonDocument& operator=(const JsonDocument&) = delete;

  JsonObject root() const;
  const std::string& text() const { return text_; }

 private:
  std::string origin_;
  std::string text_;
  simdjson::dom::parser parser_;
  simdjson::dom::element root_;
};

// "%08x": CRC-32s as manifests write them.
std::string hex32(uint32_t v);
// The current time, UTC, ISO 8601 to the second: "2026-11-29T10:57:53Z".
std::string utc_now();

}  // namespace qd
