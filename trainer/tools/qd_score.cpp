// qd_score: how recognisable the drawings of a qd_train run are, by a pretrained classifier.

#include <boost/program_options.hpp>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>

#include "qd/trainer/run_directory.h"
#include "qd/trainer/run_score.h"

namespace po = boost::program_options;

namespace {

enum ExitCode { kOk = 0, kFailed = 1, kUsage = 2 };

struct Options {
  std::string run;
  std::string classifier;
  qd::train::SampleRequest request;
};

std::optional<Options> parse_command_line(int argc, char** argv) {
  Options o;
  o.request.count = 1000;
  po::options_description visible(
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
      "Exit codes: 0 scored, 1 failed (no run or checkpoint, unreadable classifier or data),\n"
      "2 usage error (bad option, a category the run or the classifier does not know).\n\n"
      "Options");
  auto add = visible.add_options();
  add("help,h", "show this help and exit");
  add("run,r", po::value(&o.run), "the run directory written by qd_train --out");
  add("classifier", po::value(&o.classifier), "the classifier's directory");
  add("count,n", po::value(&o.request.count)->default_value(1000),
      "images per category, generated and real");
  add("category,c", po::value(&o.request.category), "score this category only");
  add("seed", po::value(&o.request.seed)->default_value(0), "seed of the noise");
  add("checkpoint", po::value(&o.request.checkpoint),
      "a checkpoint file of the run (default: the latest in <run>/checkpoints/)");
  add("last-weights", po::bool_switch(&o.request.last_weights),
      "runs trained with --ema-decay: score the generator's last weights, not their average");
  add("device", po::value(&o.request.device)->default_value("auto"), "auto, cpu or cuda");
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, visible), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "qd_score: " << e.what() << "\nTry 'qd_score --help'.\n";
    return std::nullopt;
  }
  if (vm.count("help") != 0U) {
    std::cout << visible << "\n";
    std::exit(kOk);
  }
  if (o.run.empty() || o.classifier.empty()) {
    std::cerr << "qd_score: need --run and --classifier\nTry 'qd_score --help'.\n";
    return std::nullopt;
  }
  if (o.request.count < 5) {
    std::cerr << "qd_score: --count must be >= 5\n";
    return std::nullopt;
  }
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

}  // namespace

int main(int argc, char** argv) {
  const auto o = parse_command_line(argc, argv);
  if (!o) return kUsage;
  try {
    const qd::train::SketchClassifier classifier(o->classifier);
    print(qd::train::score_run(o->run, classifier, o->request), o->request.count);
    return kOk;
  } catch (const qd::train::RunDirectoryError& e) {
    std::cerr << "qd_score: " << e.what() << "\n";
    return kFailed;
  } catch (const std::invalid_argument& e) {
    std::cerr << "qd_score: " << e.what() << "\n";
    return kUsage;
  } catch (const std::exception& e) {
    std::cerr << "qd_score: " << e.what() << "\n";
    return kFailed;
  }
}
