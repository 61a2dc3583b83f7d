#include "qd/eval/score_file.h"

#include "qd/store/atomic_file.h"
#include "qd/store/json.h"

namespace qd::train {

namespace {

void write_distribution(JsonWriter& j, const Distribution& d) {
  j.begin_object().field("n", d.n).field("fid", d.fid).field("kid", d.kid.mean);
  j.field("kid_std", d.kid.std).field("precision", d.pr.precision);
  j.field("recall", d.pr.recall).end_object();
}

Distribution read_distribution(const JsonObject& o) {
  Distribution d;
  d.n = o.i64("n");
  d.fid = o.real("fid");
  d.kid.mean = o.real("kid");
  d.kid.std = o.real("kid_std");
  d.pr.precision = o.real("precision");
  d.pr.recall = o.real("recall");
  return d;
}

void write_memorisation(JsonWriter& j, const Memorisation& m) {
  j.begin_object().field("training", m.training).field("generated", m.generated);
  j.field("held_out", m.held_out);
  j.field("median_generated", m.median_generated).field("median_held_out", m.median_held_out);
  j.field("ratio", m.ratio).field("copy_threshold", m.copy_threshold);
  j.field("copies", m.copies).field("held_out_copies", m.held_out_copies).end_object();
}

Memorisation read_memorisation(const JsonObject& o) {
  Memorisation m;
  m.training = o.i64("training");
  m.generated = o.i64("generated");
  m.held_out = o.i64("held_out");
  m.median_generated = o.real("median_generated");
  m.median_held_out = o.real("median_held_out");
  m.ratio = o.real("ratio");
  m.copy_threshold = o.real("copy_threshold");
  m.copies = o.real("copies");
  m.held_out_copies = o.real("held_out_copies");
  return m;
}

Recognition read_recognition(const JsonObject& o) {
  Recognition r;
  r.top1 = o.real("top1");
  r.top5 = o.real("top5");
  r.among = o.real("among");
  return r;
}

}  // namespace

void write_score_file(const std::string& path, const ScoreFile& file) {
  JsonWriter j;
  j.begin_object().field("written_at", utc_now()).field("checkpoint", file.checkpoint);
  j.field("count", file.count).field("seed", file.seed).field("feature_size", file.feature_size);
  j.field("truncation", file.truncation);
  j.key("categories").begin_array();
  for (const CategoryScore& s : file.score.categories) {
    j.begin_object().field("category", s.category).field("real_images", s.real_images);
    j.field("among_of", s.among_of);
    for (const auto& [name, r] :
         {std::pair{"generated", &s.generated}, std::pair{"real", &s.real}}) {
      j.key(name).begin_object().field("top1", r->top1).field("top5", r->top5);
      j.field("among", r->among).end_object();
    }
    write_distribution(j.key("distance"), s.distance);
    write_distribution(j.key("floor"), s.floor);
    j.end_object();
  }
  j.end_array();
  write_distribution(j.key("distance"), file.score.distance);
  write_distribution(j.key("floor"), file.score.floor);
  const MemorisationCheck& check = file.score.memorisation;
  j.key("memorisation").begin_object().field("skipped", check.skipped);
  if (check.skipped.empty()) {
    write_memorisation(j.key("features"), check.features);
    write_memorisation(j.key("pixels"), check.pixels);
  }
  j.end_object().end_object();
  write_file_atomically(path, j.str());
}

ScoreFile read_score_file(const std::string& path) {
  const JsonDocument doc(read_file(path), path);
  const JsonObject root = doc.root();
  ScoreFile file;
  file.written_at = root.text("written_at");
  file.checkpoint = root.text("checkpoint");
  file.count = root.i64("count");
  file.seed = root.u64("seed");
  // Scores written before --truncation were all of untruncated noise.
  if (root.has("truncation")) file.truncation = root.real("truncation");
  file.feature_size = root.i64("feature_size");
  for (const JsonObject& o : root.objects("categories")) {
    CategoryScore s;
    s.category = o.text("category");
    s.real_images = o.i64("real_images");
    s.among_of = o.i64("among_of");
    s.generated = read_recognition(o.object("generated"));
    s.real = read_recognition(o.object("real"));
    s.distance = read_distribution(o.object("distance"));
    s.floor = read_distribution(o.object("floor"));
    file.score.categories.push_back(s);
  }
  file.score.distance = read_distribution(root.object("distance"));
  file.score.floor = read_distribution(root.object("floor"));
  // Scores written before the check was made have none.
  MemorisationCheck& check = file.score.memorisation;
  check.skipped = "not measured by the qd_score that wrote this file";
  if (root.has("memorisation")) {
    const JsonObject m = root.object("memorisation");
    check.skipped = m.text("skipped");
    if (check.skipped.empty()) {
      check.features = read_memorisation(m.object("features"));
      check.pixels = read_memorisation(m.object("pixels"));
    }
  }
  return file;
}

}  // namespace qd::train
