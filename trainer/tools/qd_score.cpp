// qd_score: how recognisable the drawings of a qd_train run are, by a pretrained classifier.

#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>

#include "qd/cli/command_line.h"
#include "qd/cli/run_main.h"
#include "qd/eval/run_score.h"
#include "qd/eval/score_file.h"
#include "qd/report/reports.h"
#include "qd/run/run_report.h"
#include "sample_flags.h"

namespace {

namespace cli = qd::cli;

struct Options {
  qd::train::SampleRequest request;  // its count: per category, generated and real
  std::string classifier;            // a directory: model.json, weights, class_names.txt
  std::string json;                  // every figure as JSON, for scripts
};

Options parse_command_line(int argc, char** argv) {
  Options o;
  o.request.count = 1000;
  cli::CommandLine command_line(
      "Usage: qd_score --run runs/NAME --classifier DIR [options]\n\n"
      "Scores how recognisable a run's drawings are: draws --count images of each category\n"
      "from the run's generator (as qd_sample does) and asks a pretrained Quick, Draw!\n"
      "classifier what they are; for comparison it asks the same of as many of the run's real\n"
      "images. Prints, per category, how often the classifier's first choice is the category\n"
      "(top-1) and how often it is among its first five (top-5), out of all its classes; for\n"
      "a conditional run also how often its first choice among the run's categories only is\n"
      "the right one (among).\n\n"
      "Then, as the field measures generators, in the classifier's last hidden layer (doodleNet:\n"
      "512 units): FID, KID (unbiased, cubic polynomial kernel, mean +- std over 100 subsets) and\n"
      "precision/recall (k = 3), between n generated images and the first half of the real\n"
      "ones, each beside its floor: the second half of the real images against the first, what\n"
      "a perfect generator would score with this many images. --json writes every figure; the\n"
      "run keeps them too (<run>/score.json), and its report.html shows them.\n\n"
      "The classifier: a directory holding a Keras model in TensorFlow.js's layers format\n"
      "(model.json and its weight files) and class_names.txt, as doodleNet is published, e.g.\n"
      "../shared/quickdraw/models/doodlenet.\n\n"
      "Exit codes: 0 scored, 1 failed (no checkpoint, unreadable classifier or data), 2 usage\n"
      "error (bad option, --run holds no run, a category the run or the classifier does not\n"
      "know), 130 interrupted.\n\n"
      "Options");
  qd::train::add_sample_flags(command_line.visible, o.request,
                              "images per category, generated and real");
  command_line.visible.add_options()("classifier", cli::po::value(&o.classifier),
                                     "the classifier's directory")(
      "json", cli::po::value(&o.json), "also write every figure to this JSON file");
  cli::parse_or_exit(argc, argv, command_line);
  if (o.request.run.empty() || o.classifier.empty()) {
    throw cli::UsageError("need --run and --classifier");
  }
  if (o.request.count < 5) throw cli::UsageError("--count must be >= 5");
  return o;
}

void print_recognition(const std::vector<qd::train::CategoryScore>& scores, int64_t count,
                       double truncation) {
  // "among": the classifier's first choice among the run's categories only (conditional runs).
  const bool among = !scores.empty() && scores.front().among_of > 1;
  std::printf("%-20s %9s %9s%s %9s %9s%s %7s\n", "category", "gen top1", "gen top5",
              among ? "  gen among" : "", "real top1", "real top5", among ? " real among" : "",
              "real n");
  qd::train::Recognition generated, real;
  const auto n = static_cast<double>(scores.size());
  const auto row = [among](const char* name, const qd::train::Recognition& g,
                           const qd::train::Recognition& r) {
    std::printf("%-20s %9.3f %9.3f", name, g.top1, g.top5);
    if (among) std::printf(" %10.3f", g.among);
    std::printf(" %9.3f %9.3f", r.top1, r.top5);
    if (among) std::printf(" %10.3f", r.among);
  };
  for (const auto& s : scores) {
    row(s.category.c_str(), s.generated, s.real);
    std::printf(" %7lld\n", static_cast<long long>(s.real_images));
    for (auto [sum, part] : {std::pair{&generated, &s.generated}, std::pair{&real, &s.real}}) {
      sum->top1 += part->top1 / n;
      sum->top5 += part->top5 / n;
      sum->among += part->among / n;
    }
  }
  if (scores.size() > 1) {
    row("mean", generated, real);
    std::printf("\n");
  }
  std::printf("(%lld generated images per category", static_cast<long long>(count));
  if (truncation > 0) std::printf(", noise truncated at %g", truncation);
  if (among) {
    std::printf("; among: the first choice among the run's %lld categories only",
                static_cast<long long>(scores.front().among_of));
  }
  std::printf(")\n");
}

// FID, KID and precision/recall beside the floor (two halves of the real images).
void print_distances(const qd::train::RunScore& score, int64_t feature_dim) {
  std::printf("\n%-20s %6s %10s %10s %16s %16s %9s %9s %9s %9s\n", "category", "n", "FID", "floor",
              "KID x1000", "floor", "precision", "floor", "recall", "floor");
  const auto row = [](const std::string& name, const qd::train::Distribution& d,
                      const qd::train::Distribution& f) {
    if (d.n == 0) {
      std::printf("%-20s %6s (too few real images to measure)\n", name.c_str(), "-");
      return;
    }
    std::printf("%-20s %6lld %10.2f %10.2f %8.2f +- %5.2f %8.2f +- %5.2f %9.3f %9.3f %9.3f %9.3f\n",
                name.c_str(), static_cast<long long>(d.n), d.fid, f.fid, d.kid.mean * 1000,
                d.kid.std * 1000, f.kid.mean * 1000, f.kid.std * 1000, d.pr.precision,
                f.pr.precision, d.pr.recall, f.pr.recall);
  };
  for (const auto& s : score.categories) row(s.category, s.distance, s.floor);
  if (score.categories.size() > 1) row("all", score.distance, score.floor);
  std::printf(
      "(in the classifier's %lld-d last hidden layer: n generated images against the first half "
      "of the real ones; floor: the second half of the real ones against the first)\n",
      static_cast<long long>(feature_dim));
  for (const auto& s : score.categories) {
    if (s.distance.n > 0 && s.distance.n < 2 * feature_dim) {
      std::fprintf(stderr,
                   "qd_score: warning: FID from %lld images per side in %lld dimensions is biased "
                   "upward (compare it with its floor; --count %lld or more gives n >= 2 x the "
                   "dimension)\n",
                   static_cast<long long>(s.distance.n), static_cast<long long>(feature_dim),
                   4 * static_cast<long long>(feature_dim));
      break;
    }
  }
}

// The memorisation check's table, and its picture in the run directory.
void print_memorisation(const qd::train::MemorisationCheck& m, const std::string& run) {
  if (!m.skipped.empty()) {
    std::printf("\nmemorisation: not checked: %s\n", m.skipped.c_str());
    return;
  }
  std::printf("\n%-20s %16s %16s %7s %8s %9s\n", "memorisation", "median generated",
              "median held-out", "ratio", "copies", "held-out");
  for (const auto& [space, v] :
       {std::pair{"features", &m.features}, std::pair{"pixels", &m.pixels}}) {
    std::printf("%-20s %16.3f %16.3f %7.2f %7.1f%% %8.1f%%\n", space, v->median_generated,
                v->median_held_out, v->ratio, v->copies * 100, v->held_out_copies * 100);
  }
  std::printf(
      "(each image's distance to its nearest of %lld training images: %lld generated against %lld "
      "held-out real ones; a copy is nearer than 99%% of the held-out ones are)\n",
      static_cast<long long>(m.features.training), static_cast<long long>(m.features.generated),
      static_cast<long long>(m.features.held_out));
  const auto& pairs = m.nearest_pairs;
  try {
    qd::train::write_sample_grid((std::filesystem::path(run) / "samples" / "nearest.png").string(),
                                 pairs.contiguous().data_ptr<uint8_t>(),
                                 static_cast<size_t>(pairs.size(0)), {{pairs.size(1), 1}, true}, 8);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "qd_score: warning: samples/nearest.png not written: %s\n", e.what());
  }
}

int run(int argc, char** argv) {
  const Options o = parse_command_line(argc, argv);
  const qd::train::SketchClassifier classifier(o.classifier);
  const qd::train::RunScore score =
      qd::train::score_run(classifier, o.request, cli::stop_requested());
  print_recognition(score.categories, o.request.count, o.request.truncation);
  print_distances(score, classifier.feature_size());
  print_memorisation(score.memorisation, o.request.run);
  qd::train::ScoreFile file;
  file.score = score;
  file.checkpoint = qd::train::resolve_checkpoint(o.request.run, o.request.checkpoint);
  file.count = o.request.count;
  file.seed = o.request.seed;
  file.truncation = o.request.truncation;
  file.feature_size = classifier.feature_size();
  if (!o.json.empty()) qd::train::write_score_file(o.json, file);
  // The run keeps its latest score for its report; a run directory one may not write to is
  // still scored.
  try {
    qd::train::write_score_file((std::filesystem::path(o.request.run) / "score.json").string(),
                                file);
    qd::train::write_run_report(o.request.run);
  } catch (const std::exception& e) {
    std::fprintf(stderr,
                 "qd_score: warning: the run's score.json and report.html not updated: %s\n",
                 e.what());
  }
  return cli::kOk;
}

}  // namespace

int main(int argc, char** argv) {
  return cli::run_main("qd_score", [&] { return run(argc, argv); });
}
