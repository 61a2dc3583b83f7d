#include "qd/pipeline/manifest.h"

#include <simdjson.h>

#include <charconv>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace qd {

bool PrepareSettings::operator==(const PrepareSettings& o) const {
  return size == o.size && line_width == o.line_width && padding == o.padding &&
         val_fraction == o.val_fraction && keep_unrecognized == o.keep_unrecognized &&
         max_per_category == o.max_per_category && shard_size == o.shard_size &&
         min_points == o.min_points && min_extent == o.min_extent;
}

std::string json_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out;
}

namespace {

std::string quoted(std::string_view s) {
  return "\"" + json_escape(s) + "\"";
}

// The shortest text that reads back as the same double.
std::string number(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return {buf, r.ptr};
}

std::string hex32(uint32_t v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

}  // namespace

std::string to_json(const Manifest& m) {
  std::ostringstream j;
  const PrepareSettings& o = m.settings;
  j << "{\n  \"format_version\": " << m.format_version
    << ",\n  \"category\": " << quoted(m.category) << ",\n  \"side\": " << o.size
    << ",\n  \"generator\": " << quoted(m.generator)
    << ",\n  \"created_at\": " << quoted(m.created_at) << ",\n  \"options\": {\"size\": " << o.size
    << ", \"line_width\": " << number(o.line_width) << ", \"padding\": " << number(o.padding)
    << ", \"val_fraction\": " << number(o.val_fraction)
    << ", \"keep_unrecognized\": " << (o.keep_unrecognized ? "true" : "false")
    << ", \"max_per_category\": " << o.max_per_category << ", \"shard_size\": " << o.shard_size
    << ", \"min_points\": " << o.min_points << ", \"min_extent\": " << o.min_extent << "},\n";
  const SourceIdentity& s = m.source;
  j << "  \"source\": {\"location\": " << quoted(s.location) << ", \"size\": " << s.size
    << ", \"mtime_ns\": " << s.mtime_ns << ", \"etag\": " << quoted(s.etag)
    << ", \"last_modified\": " << quoted(s.last_modified)
    << ", \"truncated\": " << (s.truncated ? "true" : "false") << "},\n";
  const CategoryCounts& c = m.counts;
  j << "  \"counts\": {\"read\": " << c.read << ", \"kept\": " << c.kept
    << ", \"train\": " << c.train << ", \"val\": " << c.val << ", \"rejected\": {";
  for (size_t r = 0; r < kRejectReasonCount; ++r) {
    j << (r == 0 ? "" : ", ") << quoted(to_string(static_cast<RejectReason>(r))) << ": "
      << c.rejected.by_reason[r];
  }
  j << "}},\n  \"shards\": [";
  for (size_t i = 0; i < m.shards.size(); ++i) {
    const ShardInfo& sh = m.shards[i];
    j << (i == 0 ? "\n" : ",\n") << "    {\"file\": " << quoted(sh.file)
      << ", \"keys\": " << quoted(sh.keys) << ", \"split\": " << quoted(to_string(sh.split))
      << ", \"count\": " << sh.count << ", \"crc32\": " << quoted(hex32(sh.crc32))
      << ", \"keys_crc32\": " << quoted(hex32(sh.keys_crc32)) << ", \"bytes\": " << sh.bytes
      << ", \"keys_bytes\": " << sh.keys_bytes << "}";
  }
  j << (m.shards.empty() ? "]\n}\n" : "\n  ]\n}\n");
  return j.str();
}

namespace {

namespace dom = simdjson::dom;

class Reader {
 public:
  explicit Reader(const std::string& origin) : origin_(origin) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error(origin_ + ": bad manifest: " + what);
  }
  dom::element field(dom::object o, const char* key) const {
    dom::element e;
    if (o[key].get(e)) fail(std::string("no \"") + key + "\" field");
    return e;
  }
  dom::object object(dom::object o, const char* key) const {
    dom::object v;
    if (field(o, key).get(v)) fail(std::string("\"") + key + "\" is not an object");
    return v;
  }
  uint64_t u64(dom::object o, const char* key) const {
    uint64_t v = 0;
    if (field(o, key).get(v)) fail(std::string("\"") + key + "\" is not a non-negative integer");
    return v;
  }
  int64_t i64(dom::object o, const char* key) const {
    int64_t v = 0;
    if (field(o, key).get(v)) fail(std::string("\"") + key + "\" is not an integer");
    return v;
  }
  double real(dom::object o, const char* key) const {
    double v = 0;
    if (field(o, key).get(v)) fail(std::string("\"") + key + "\" is not a number");
    return v;
  }
  bool boolean(dom::object o, const char* key) const {
    bool v = false;
    if (field(o, key).get(v)) fail(std::string("\"") + key + "\" is not true or false");
    return v;
  }
  std::string text(dom::object o, const char* key) const {
    std::string_view v;
    if (field(o, key).get(v)) fail(std::string("\"") + key + "\" is not a string");
    return std::string(v);
  }
  uint32_t crc(dom::object o, const char* key) const {
    const std::string s = text(o, key);
    uint32_t v = 0;
    const auto r = std::from_chars(s.data(), s.data() + s.size(), v, 16);
    if (s.size() != 8 || r.ptr != s.data() + s.size()) {
      fail(std::string("\"") + key + "\" is not 8 hex digits");
    }
    return v;
  }

 private:
  const std::string& origin_;
};

}  // namespace

Manifest parse_manifest(std::string_view json, const std::string& origin) {
  Reader r(origin);
  dom::parser parser;
  dom::element root;
  if (auto e = parser.parse(json.data(), json.size()).get(root)) r.fail(simdjson::error_message(e));
  dom::object top;
  if (root.get(top)) r.fail("not a JSON object");

  Manifest m;
  m.format_version = static_cast<int>(r.i64(top, "format_version"));
  if (m.format_version != kManifestFormatVersion) {
    r.fail("format_version " + std::to_string(m.format_version) + " (this qd reads " +
           std::to_string(kManifestFormatVersion) + ")");
  }
  m.category = r.text(top, "category");
  m.generator = r.text(top, "generator");
  m.created_at = r.text(top, "created_at");

  const dom::object o = r.object(top, "options");
  m.settings.size = static_cast<int>(r.u64(o, "size"));
  m.settings.line_width = r.real(o, "line_width");
  m.settings.padding = r.real(o, "padding");
  m.settings.val_fraction = r.real(o, "val_fraction");
  m.settings.keep_unrecognized = r.boolean(o, "keep_unrecognized");
  m.settings.max_per_category = r.u64(o, "max_per_category");
  m.settings.shard_size = r.u64(o, "shard_size");
  m.settings.min_points = static_cast<uint32_t>(r.u64(o, "min_points"));
  m.settings.min_extent = static_cast<uint32_t>(r.u64(o, "min_extent"));
  if (static_cast<int>(r.u64(top, "side")) != m.settings.size) r.fail("side differs from size");

  const dom::object s = r.object(top, "source");
  m.source.location = r.text(s, "location");
  m.source.size = r.i64(s, "size");
  m.source.mtime_ns = r.i64(s, "mtime_ns");
  m.source.etag = r.text(s, "etag");
  m.source.last_modified = r.text(s, "last_modified");
  m.source.truncated = r.boolean(s, "truncated");

  const dom::object c = r.object(top, "counts");
  m.counts.read = r.u64(c, "read");
  m.counts.kept = r.u64(c, "kept");
  m.counts.train = r.u64(c, "train");
  m.counts.val = r.u64(c, "val");
  const dom::object rejected = r.object(c, "rejected");
  for (size_t i = 0; i < kRejectReasonCount; ++i) {
    m.counts.rejected.by_reason[i] = r.u64(rejected, to_string(static_cast<RejectReason>(i)));
  }

  dom::array shards;
  if (r.field(top, "shards").get(shards)) r.fail("\"shards\" is not an array");
  for (dom::element e : shards) {
    dom::object sh;
    if (e.get(sh)) r.fail("a shard entry is not an object");
    ShardInfo info;
    info.file = r.text(sh, "file");
    info.keys = r.text(sh, "keys");
    const std::string split = r.text(sh, "split");
    if (split != "train" && split != "val") r.fail("shard split \"" + split + "\"");
    info.split = split == "train" ? Split::kTrain : Split::kVal;
    info.count = r.u64(sh, "count");
    info.crc32 = r.crc(sh, "crc32");
    info.keys_crc32 = r.crc(sh, "keys_crc32");
    info.bytes = r.u64(sh, "bytes");
    info.keys_bytes = r.u64(sh, "keys_bytes");
    m.shards.push_back(std::move(info));
  }
  return m;
}

Manifest read_manifest(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path + ": cannot read");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_manifest(text.str(), path);
}

}  // namespace qd
