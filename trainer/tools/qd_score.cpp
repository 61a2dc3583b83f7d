// qd_score: how recognisable the drawings of a qd_train run are, by a pretrained classifier.

#include <cstdio>
#include <string>

#include "qd/cli/command_line.h"
#include "qd/cli/run_main.h"
#include "qd/trainer/run_score.h"
#include "sample_flags.h"

namespace {

namespace cli = qd::cli;

struct Options {
  qd::train::SampleRequest request;  // its count: per category, generated and real
  std::string classifier;            // a directory: model.json, weights, class_names.txt
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
                                     "the classifier's directory");
  cli::parse_or_exit(argc, argv, command_line);
  if (o.request.run.empty() || o.classifier.empty()) {
    throw cli::UsageError("need --run and --classifier");
  }
  if (o.request.count < 5) throw cli::UsageError("--count must be >= 5");
  return o;
}

void print(const std::vector<qd::train::CategoryScore>& scores, int64_t count) {
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
  if (among) {
    std::printf("; among: the first choice among the run's %lld categories only",
                static_cast<long long>(scores.front().among_of));
  }
  std::printf(")\n");
}

int run(int argc, char** argv) {
  const Options o = parse_command_line(argc, argv);
  const qd::train::SketchClassifier classifier(o.classifier);
  print(qd::train::score_run(classifier, o.request, cli::stop_requested()), o.request.count);
  return cli::kOk;
}

}  // namespace

int main(int argc, char** argv) {
  return cli::run_main("qd_score", [&] { return run(argc, argv); });
}
