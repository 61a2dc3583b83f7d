#include "qd/store/json.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <stdexcept>

namespace qd {

std::string json_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

void JsonWriter::newline() {
  text_ += '\n';
  text_.append(2 * first_.size(), ' ');
}

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (first_.empty()) return;  // the top-level value
  if (!first_.back()) text_ += ',';
  first_.back() = false;
  newline();
}

JsonWriter& JsonWriter::open(char bracket) {
  before_value();
  text_ += bracket;
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::close(char bracket) {
  const bool empty = first_.back();
  first_.pop_back();
  if (!empty) newline();
  text_ += bracket;
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  last_key_ = name;
  value(name);
  text_ += ": ";
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) {
  before_value();
  text_ += '"' + json_escape(s) + '"';
  return *this;
}

JsonWriter& JsonWriter::value(bool b) {
  before_value();
  text_ += b ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::value(int64_t n) {
  before_value();
  text_ += std::to_string(n);
  return *this;
}

JsonWriter& JsonWriter::value(uint64_t n) {
  before_value();
  text_ += std::to_string(n);
  return *this;
}

JsonWriter& JsonWriter::value(double d) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, d);
  if (!std::isfinite(d)) {
    // Written as it is, "nan" would make the whole file unreadable to JsonDocument.
    throw std::domain_error("JSON: \"" + last_key_ + "\" is " + std::string(buf, r.ptr) +
                            ", which JSON cannot hold");
  }
  before_value();
  text_.append(buf, r.ptr);
  return *this;
}

JsonWriter& JsonWriter::value(const std::vector<std::string>& strings) {
  before_value();
  text_ += '[';
  for (size_t i = 0; i < strings.size(); ++i) {
    text_ += (i == 0 ? "\"" : ", \"") + json_escape(strings[i]) + '"';
  }
  text_ += ']';
  return *this;
}

JsonWriter& JsonWriter::null() {
  return raw("null");
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  before_value();
  text_ += json;
  return *this;
}

// --- reading ---

simdjson::dom::element JsonObject::at(const char* key) const {
  simdjson::dom::element e;
  if (object_[key].get(e) != simdjson::SUCCESS) fail(std::string("no \"") + key + "\" field");
  return e;
}

void JsonObject::fail(const std::string& what) const {
  throw StoreError(*origin_ + ": " + what);
}

bool JsonObject::has(const char* key) const {
  simdjson::dom::element e;
  return object_[key].get(e) == simdjson::SUCCESS;
}

std::string JsonObject::text(const char* key) const {
  std::string_view v;
  if (at(key).get(v) != simdjson::SUCCESS) fail(std::string("\"") + key + "\" is not a string");
  return std::string(v);
}

int64_t JsonObject::i64(const char* key) const {
  int64_t v = 0;
  if (at(key).get(v) != simdjson::SUCCESS) fail(std::string("\"") + key + "\" is not an integer");
  return v;
}

uint64_t JsonObject::u64(const char* key) const {
  uint64_t v = 0;
  if (at(key).get(v) != simdjson::SUCCESS) {
    fail(std::string("\"") + key + "\" is not a non-negative integer");
  }
  return v;
}

double JsonObject::real(const char* key) const {
  double v = 0;
  if (at(key).get(v) != simdjson::SUCCESS) fail(std::string("\"") + key + "\" is not a number");
  return v;
}

bool JsonObject::boolean(const char* key) const {
  bool v = false;
  if (at(key).get(v) != simdjson::SUCCESS) {
    fail(std::string("\"") + key + "\" is not true or false");
  }
  return v;
}

std::vector<std::string> JsonObject::strings(const char* key) const {
  simdjson::dom::array a;
  if (at(key).get(a) != simdjson::SUCCESS) fail(std::string("\"") + key + "\" is not an array");
  std::vector<std::string> out;
  for (const simdjson::dom::element item : a) {
    std::string_view s;
    if (item.get(s) != simdjson::SUCCESS) fail(std::string("\"") + key + "\" holds a non-string");
    out.emplace_back(s);
  }
  return out;
}

uint32_t JsonObject::hex32(const char* key) const {
  const std::string s = text(key);
  uint32_t v = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), v, 16);
  if (s.size() != 8 || r.ptr != s.data() + s.size()) {
    fail(std::string("\"") + key + "\" is not 8 hex digits");
  }
  return v;
}

void JsonObject::get(const char* key, int& v) const {
  const int64_t n = i64(key);
  if (n < INT32_MIN || n > INT32_MAX) fail(std::string("\"") + key + "\" is out of range");
  v = static_cast<int>(n);
}

void JsonObject::get(const char* key, uint32_t& v) const {
  const uint64_t n = u64(key);
  if (n > UINT32_MAX) fail(std::string("\"") + key + "\" is out of range");
  v = static_cast<uint32_t>(n);
}

JsonObject JsonObject::object(const char* key) const {
  simdjson::dom::object o;
  if (at(key).get(o) != simdjson::SUCCESS) fail(std::string("\"") + key + "\" is not an object");
  return {o, *origin_};
}

std::vector<JsonObject> JsonObject::objects(const char* key) const {
  simdjson::dom::array a;
  if (at(key).get(a) != simdjson::SUCCESS) fail(std::string("\"") + key + "\" is not an array");
  std::vector<JsonObject> out;
  for (const simdjson::dom::element item : a) {
    simdjson::dom::object o;
    if (item.get(o) != simdjson::SUCCESS) {
      fail(std::string("\"") + key + "\" holds something other than an object");
    }
    out.emplace_back(o, *origin_);
  }
  return out;
}

namespace {

// JSON leaves a key given twice to the reader; simdjson's lookups would take the first and ignore
// the other. In a file qd wrote that can only be damage, so it is refused.
void refuse_repeated_keys(simdjson::dom::element e, const std::string& origin) {
  simdjson::dom::array array;
  if (e.get(array) == simdjson::SUCCESS) {
    for (const simdjson::dom::element item : array) refuse_repeated_keys(item, origin);
    return;
  }
  simdjson::dom::object object;
  if (e.get(object) != simdjson::SUCCESS) return;
  std::vector<std::string_view> keys;
  for (const simdjson::dom::key_value_pair field : object) {
    keys.push_back(field.key);
    refuse_repeated_keys(field.value, origin);
  }
  std::sort(keys.begin(), keys.end());
  const auto twice = std::adjacent_find(keys.begin(), keys.end());
  if (twice != keys.end()) {
    throw StoreError(origin + ": key \"" + std::string(*twice) + "\" appears twice in one object");
  }
}

}  // namespace

JsonDocument::JsonDocument(std::string_view json, std::string origin)
    : origin_(std::move(origin)), text_(json) {
  if (const auto e = parser_.parse(text_).get(root_)) {
    throw StoreError(origin_ + ": not valid JSON: " + simdjson::error_message(e));
  }
  if (!root_.is_object()) throw StoreError(origin_ + ": not a JSON object");
  refuse_repeated_keys(root_, origin_);
}

JsonObject JsonDocument::root() const {
  simdjson::dom::object o;
  if (root_.get(o) != simdjson::SUCCESS) throw StoreError(origin_ + ": not a JSON object");
  return {o, origin_};
}

std::string hex32(uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

std::string utc_now() {
  const std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace qd
