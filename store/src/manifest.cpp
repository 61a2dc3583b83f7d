#include "qd/store/manifest.h"

#include <limits>
#include <stdexcept>
#include <type_traits>

#include "qd/store/atomic_file.h"
#include "qd/store/json.h"

namespace qd {
namespace {

constexpr std::array<const char*, kRejectReasonCount> kRejectNames = {
    "unrecognized", "malformed", "truncated", "duplicate", "too_large"};
constexpr std::array<const char*, 3> kSelectionNames = {"train", "val", "all"};

}  // namespace

const char* to_string(Split split) {
  return kSelectionNames[static_cast<size_t>(split)];
}

const char* to_string(SplitSelection selection) {
  return kSelectionNames[static_cast<size_t>(selection)];
}

SplitSelection parse_split_selection(std::string_view name) {
  for (size_t i = 0; i < kSelectionNames.size(); ++i) {
    if (name == kSelectionNames[i]) return static_cast<SplitSelection>(i);
  }
  throw std::invalid_argument("split '" + std::string(name) + "': expected train, val or all");
}

const char* to_string(RejectReason reason) {
  return kRejectNames[static_cast<size_t>(reason)];
}

uint64_t RejectCounts::total() const {
  uint64_t sum = 0;
  for (const uint64_t n : by_reason) sum += n;
  return sum;
}

std::string canonical_output_formats(std::string_view list) {
  bool bitmap = false;
  bool stroke3 = false;
  size_t start = 0;
  for (;;) {
    const size_t comma = list.find(',', start);
    std::string_view name =
        list.substr(start, comma == std::string_view::npos ? comma : comma - start);
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (name == "bitmap") {
      bitmap = true;
    } else if (name == "stroke3") {
      stroke3 = true;
    } else {
      throw std::invalid_argument("--format must be bitmap, stroke3 or bitmap,stroke3, not '" +
                                  std::string(list) + "'");
    }
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return bitmap && stroke3 ? "bitmap,stroke3" : bitmap ? "bitmap" : "stroke3";
}

bool has_output_format(const std::string& formats, std::string_view name) {
  return formats == name || formats == "bitmap,stroke3";
}

void OutputFormats::check(std::string_view name, const std::string& value) const {
  if (value != "bitmap" && value != "stroke3" && value != "bitmap,stroke3") {
    throw std::invalid_argument(std::string(name) +
                                " must be bitmap, stroke3 or bitmap,stroke3, not '" + value + "'");
  }
}

bool PrepareSettings::operator==(const PrepareSettings& o) const {
  bool same = true;
  visit_prepare_settings(
      [&](const char*, const char*, const auto&, const auto& a, const auto& b) { same &= a == b; },
      *this, o);
  return same;
}

std::string to_json(const Manifest& m) {
  JsonWriter j;
  const PrepareSettings& o = m.settings;
  j.begin_object()
      .field("format_version", m.format_version)
      .field("category", m.category)
      .field("side", o.size)
      .field("generator", m.generator)
      .field("created_at", m.created_at);
  j.key("options").begin_object();
  visit_prepare_settings(
      [&](const char* key, const char*, const auto&, const auto& v) { j.field(key, v); }, o);
  j.end_object();
  const SourceIdentity& s = m.source;
  j.key("source")
      .begin_object()
      .field("location", s.location)
      .field("size", s.size)
      .field("mtime_ns", s.mtime_ns)
      .field("etag", s.etag)
      .field("last_modified", s.last_modified)
      .field("truncated", s.truncated)
      .field("format", s.format)
      .end_object();
  const CategoryCounts& c = m.counts;
  j.key("counts")
      .begin_object()
      .field("read", c.read)
      .field("kept", c.kept)
      .field("train", c.train)
      .field("val", c.val);
  j.key("rejected").begin_object();
  for (size_t r = 0; r < kRejectReasonCount; ++r) j.field(kRejectNames[r], c.rejected.by_reason[r]);
  j.end_object().end_object();
  j.key("shards").begin_array();
  for (const ShardInfo& sh : m.shards) {
    j.begin_object()
        .field("file", sh.file)
        .field("keys", sh.keys)
        .field("split", to_string(sh.split))
        .field("count", sh.count)
        .field("crc32", hex32(sh.crc32))
        .field("keys_crc32", hex32(sh.keys_crc32))
        .field("bytes", sh.bytes)
        .field("keys_bytes", sh.keys_bytes)
        .end_object();
  }
  j.end_array();
  if (m.stroke3) {
    const Stroke3Info& st = *m.stroke3;
    j.key("stroke3")
        .begin_object()
        .field("file", st.file)
        .field("bytes", st.bytes)
        .field("crc32", hex32(st.crc32))
        .field("train", st.train)
        .field("valid", st.valid)
        .field("test", st.test)
        .end_object();
  }
  j.end_object();
  return j.str();
}

Manifest parse_manifest(std::string_view json, const std::string& origin) {
  const JsonDocument doc(json, origin + ": bad manifest");
  const JsonObject top = doc.root();
  Manifest m;
  // Compared before narrowing: 4294967297 is not format 1.
  const int64_t format_version = top.i64("format_version");
  if (format_version != kManifestFormatVersion) {
    top.fail("format_version " + std::to_string(format_version) + " (this qd reads " +
             std::to_string(kManifestFormatVersion) + ")");
  }
  m.category = top.text("category");
  m.generator = top.text("generator");
  m.created_at = top.text("created_at");

  const JsonObject o = top.object("options");
  visit_prepare_settings(
      [&](const char* key, const char*, const auto& range, auto& v) {
        if (o.has(key)) {
          o.get(key, v);
          // The command line's ranges: a value outside them is damage, or the work of an older qd
          // that accepted it (line width 0: black images). A side of 0, for one, would make the
          // image shards' check the key files' (shard_reader.cpp).
          try {
            range.check(std::string("\"") + key + "\"", v);
          } catch (const std::invalid_argument& e) {
            o.fail(e.what());
          }
        } else if (std::string_view(key) == "format" || std::string_view(key) == "epsilon") {
          // Written before qd had them: the bitmaps, and no raw input (the defaults).
        } else if (added_after_format_1(key)) {
          // No limit then: the most its range allows, so that the manifest written back from
          // these settings reads again (the type's max is outside --max-record-bytes' range).
          using Value = std::decay_t<decltype(v)>;
          if constexpr (std::is_arithmetic_v<Value> && !std::is_same_v<Value, bool>) {
            v = range.max;
          }
        } else {
          o.fail(std::string("no \"") + key + "\" field");
        }
      },
      m.settings);
  if (top.u64("side") != static_cast<uint64_t>(m.settings.size)) top.fail("side differs from size");

  const JsonObject s = top.object("source");
  m.source.location = s.text("location");
  m.source.size = s.i64("size");
  m.source.mtime_ns = s.i64("mtime_ns");
  m.source.etag = s.text("etag");
  m.source.last_modified = s.text("last_modified");
  m.source.truncated = s.boolean("truncated");
  if (s.has("format")) {
    m.source.format = s.text("format");
    if (m.source.format != "ndjson" && m.source.format != "binary" && m.source.format != "raw") {
      s.fail("source format \"" + m.source.format + "\" (expected ndjson, binary or raw)");
    }
  }

  const JsonObject c = top.object("counts");
  m.counts.read = c.u64("read");
  m.counts.kept = c.u64("kept");
  m.counts.train = c.u64("train");
  m.counts.val = c.u64("val");
  const JsonObject rejected = c.object("rejected");
  for (size_t i = 0; i < kRejectReasonCount; ++i) {
    if (added_after_format_1(kRejectNames[i]) && !rejected.has(kRejectNames[i])) continue;
    m.counts.rejected.by_reason[i] = rejected.u64(kRejectNames[i]);
  }

  for (const JsonObject& sh : top.objects("shards")) {
    ShardInfo info;
    info.file = sh.text("file");
    info.keys = sh.text("keys");
    for (const std::string* name : {&info.file, &info.keys}) {
      // Shards live in the category directory itself: a path could lead a reader anywhere.
      if (name->empty() || *name == "." || *name == ".." ||
          name->find_first_of(std::string("/\0", 2)) != std::string::npos) {
        sh.fail("shard file \"" + *name + "\" is not a plain file name in the category directory");
      }
    }
    const std::string split = sh.text("split");
    if (split != "train" && split != "val") sh.fail("shard split \"" + split + "\"");
    info.split = split == "train" ? Split::kTrain : Split::kVal;
    info.count = sh.u64("count");
    info.crc32 = sh.hex32("crc32");
    info.keys_crc32 = sh.hex32("keys_crc32");
    info.bytes = sh.u64("bytes");
    info.keys_bytes = sh.u64("keys_bytes");
    m.shards.push_back(std::move(info));
  }
  if (top.has("stroke3")) {
    const JsonObject st = top.object("stroke3");
    Stroke3Info info;
    info.file = st.text("file");
    if (info.file != m.category + ".npz") {
      st.fail("stroke3 file \"" + info.file + "\" is not \"" + m.category + ".npz\"");
    }
    info.bytes = st.u64("bytes");
    info.crc32 = st.hex32("crc32");
    info.train = st.u64("train");
    info.valid = st.u64("valid");
    info.test = st.u64("test");
    m.stroke3 = info;
  }
  if (m.stroke3.has_value() != has_output_format(m.settings.format, "stroke3")) {
    top.fail(std::string("options.format is \"") + m.settings.format + "\" but stroke3 is " +
             (m.stroke3 ? "there" : "missing"));
  }
  return m;
}

bool added_after_format_1(std::string_view key) {
  return key == "max_record_bytes" || key == "max_points" || key == "max_strokes" ||
         key == "too_large";
}

Manifest read_manifest(const std::string& path) {
  return parse_manifest(read_file(path), path);
}

}  // namespace qd
