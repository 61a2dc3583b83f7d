// The training recipes side by side, as users run them: for each recipe and seed, the real
// qd_train process trains on the same images for the same wall-clock budget (stopped with
// SIGTERM, which checkpoints), then the real qd_score measures its latest checkpoint (FID, KID,
// precision/recall, doodleNet top-1, beside the real-vs-real floor) and qd_sample draws its grid.
// Recipes: what qd reproduces of the projects users come from, qd's recipe, and qd's recipe with
// each of its parts removed in turn (the ablation).
//
//   bake_off [--minutes 9] [--at MINUTES,...] [--seeds 0,1] [--recipes all|NAME,...]
//            [--try NAME=OPTIONS ...] [--data FILE.npy[,...]] [--holdout 500] [--classifier DIR]
//            [--count 3000] [--out bench-runs/bake-off] [--reuse]
// The last --holdout images of the data are kept out of training, so qd_score can tell drawing
// from copying (its memorisation check: the generated images' nearest-training distances
// against the held-out real images').
// --at 5,10,20 (with --minutes 40) also stops each run at those minutes, scores and draws it, and
// resumes it: quality against training time from one run, a second table and quality-vs-time.png.
// Prints a Markdown table (mean and spread over the seeds) and writes it, with the grids, to
// <out>/results.md; --reuse reads the scores of runs already there instead of training them again.
// Runs one process at a time: a recipe's budget is the machine's, not a share.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "qd/cli/command_line.h"
#include "qd/cli/run_main.h"
#include "qd/eval/score_file.h"
#include "qd/report/reports.h"
#include "qd/store/atomic_directory.h"

namespace fs = std::filesystem;
namespace cli = qd::cli;

namespace {

struct Recipe {
  std::string name;
  std::string args;  // qd_train options beyond --shards, --out, --seed, --epochs
  std::string source;
};

// qd's recipe (the preset `--arch qd`, presets.cpp) without `part` ("" for none): one of its
// --augment transforms, "ema" or "r1".
std::string qd_recipe(const std::string& part) {
  if (part.empty()) return "--arch qd";
  if (part == "ema") return "--arch qd --ema-decay 0";
  if (part == "r1") return "--arch qd --r1 0 --r1-every 1";
  std::string transforms;
  for (const char* t : {"flip", "translation", "cutout"}) {
    if (part != t) transforms += (transforms.empty() ? "" : ",") + std::string(t);
  }
  return "--arch qd --augment " + transforms;
}

// The seed recipes, qd's recipe, and its ablation: the recipe without each of its parts in turn.
const std::vector<Recipe>& recipes() {
  static const std::vector<Recipe> all = [] {
    std::vector<Recipe> r = {
        {"keras-dcgan", "--arch keras-dcgan", "the Keras DCGAN project's networks and settings"},
        {"tf-dcgan", "--arch tf-dcgan", "TensorFlow's DCGAN tutorial"},
        {"small", "--arch small", "pytorch/examples cpp/dcgan (the README's cat run)"},
        {"superdeep", "--arch superdeep", "the superdeep preset"},
        {"conditional-tricks",
         "--arch small --conditional --label-noise 0.05 --instance-noise 0.1 "
         "--instance-noise-steps 5000",
         "conditional small with label smoothing (its default), label noise and instance noise"},
        {"qd", qd_recipe(""), "qd's recipe"},
        {"resnet", "--arch resnet", "SNGAN's residual networks with qd's augmentation and EMA"},
    };
    for (const char* part : {"r1", "flip", "translation", "cutout", "ema"}) {
      r.push_back({std::string("qd-no-") + part, qd_recipe(part),
                   std::string("qd's recipe without ") + part});
    }
    return r;
  }();
  return all;
}

std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string item; std::getline(in, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// Runs a command line to its end; throws with its output when it fails.
std::string run(const std::string& command_line) {
  FILE* pipe = ::popen((command_line + " 2>&1").c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run " + command_line);
  std::string output;
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, n);
  const int status = ::pclose(pipe);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("failed: " + command_line + "\n" + output);
  }
  return output;
}

// qd_train for `seconds` of wall-clock, then SIGTERM (it checkpoints and exits 130); its output
// is appended to `log`.
void train_for(const std::string& command_line, double seconds, const fs::path& log) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    const std::string exec = "exec " + command_line + " >> '" + log.string() + "' 2>&1";
    ::execl("/bin/sh", "sh", "-c", exec.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  int status = 0;
  while (::waitpid(pid, &status, WNOHANG) == 0) {
    if (cli::stop_requested() || std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  if (cli::stop_requested()) throw std::runtime_error("interrupted");
  if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 130)) {
    throw std::runtime_error("qd_train failed; see " + log.string());
  }
}

struct Figures {
  std::vector<double> fid, kid, precision, recall, top1;
  std::vector<double> memorisation_ratio, copies, held_out_copies;  // features; empty: no check
  std::vector<double> score_seconds;
  double fid_floor = 0, kid_floor = 0, recall_floor = 0, top1_real = 0;
  std::vector<double> steps;

  // `seconds`: how long scoring took; negative for scores read from an earlier run (--reuse).
  void add(const qd::train::ScoreFile& s, double seconds) {
    if (seconds >= 0) score_seconds.push_back(seconds);
    const auto& memorisation = s.score.memorisation;
    if (memorisation.skipped.empty()) {
      memorisation_ratio.push_back(memorisation.features.ratio);
      copies.push_back(memorisation.features.copies);
      held_out_copies.push_back(memorisation.features.held_out_copies);
    }
    fid.push_back(s.score.distance.fid);
    kid.push_back(s.score.distance.kid.mean);
    precision.push_back(s.score.distance.pr.precision);
    recall.push_back(s.score.distance.pr.recall);
    // Conditional runs: the mean over their categories, generated and real alike.
    double mean_top1 = 0;
    double mean_real_top1 = 0;
    for (const auto& c : s.score.categories) {
      mean_top1 += c.generated.top1 / static_cast<double>(s.score.categories.size());
      mean_real_top1 += c.real.top1 / static_cast<double>(s.score.categories.size());
    }
    top1.push_back(mean_top1);
    fid_floor = s.score.floor.fid;
    kid_floor = s.score.floor.kid.mean;
    recall_floor = s.score.floor.pr.recall;
    top1_real = mean_real_top1;
    steps.push_back(std::stod(fs::path(s.checkpoint).stem().string().substr(5)));
  }
};

double mean(const std::vector<double>& v) {
  double sum = 0;
  for (const double x : v) sum += x;
  return v.empty() ? std::nan("") : sum / static_cast<double>(v.size());
}

std::string spread(const std::vector<double>& v, const char* format, double scale = 1) {
  char text[96];
  char part[32];
  std::snprintf(part, sizeof part, format, mean(v) * scale);
  std::string out = part;
  if (v.size() > 1) {
    const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    std::snprintf(text, sizeof text, format, *lo * scale);
    out += std::string(" (") + text;
    std::snprintf(text, sizeof text, format, *hi * scale);
    out += std::string("-") + text + ")";
  }
  return out;
}

// A table row's figures: steps, FID ... copies, each the mean over the seeds and its spread.
std::string figure_cells(const Figures& f, bool kid_and_precision) {
  std::string cells = spread(f.steps, "%.0f") + " | " + spread(f.fid, "%.1f") + " | ";
  if (kid_and_precision) {
    cells += spread(f.kid, "%.0f", 1000) + " | " + spread(f.precision, "%.3f") + " | ";
  }
  cells += spread(f.recall, "%.3f") + " | " + spread(f.top1, "%.1f%%", 100) + " | " +
           (f.memorisation_ratio.empty() ? "-" : spread(f.memorisation_ratio, "%.3f")) + " | " +
           (f.copies.empty()
                ? "-"
                : spread(f.copies, "%.3f") + " (" + spread(f.held_out_copies, "%.3f") + ")");
  return cells;
}

// "5" for 5 minutes, "2.5" for two and a half: how a stop names its files and rows.
std::string minutes_text(double minutes) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", minutes);
  return text;
}

int bake_off(int argc, char** argv) {
  double minutes = 9;
  std::string at_text;
  std::string seeds_text = "0,1";
  std::string recipes_text = "all";
  std::string data = std::string(QD_SOURCE_DIR) + "/../shared/quickdraw/numpy_bitmap/cat.npy";
  std::string classifier = std::string(QD_SOURCE_DIR) + "/../shared/quickdraw/models/doodlenet";
  int64_t count = 3000;
  int64_t holdout = 500;
  std::string out = "bench-runs/bake-off";
  std::vector<std::string> tries;
  bool reuse = false;
  cli::CommandLine command_line(
      "Usage: bake_off [options]\n\nTrains each recipe with the real qd_train for the same "
      "wall-clock budget per seed, then scores it with qd_score and draws it with qd_sample.\n\n"
      "Options");
  auto add = command_line.visible.add_options();
  add("minutes", cli::po::value(&minutes)->default_value(minutes), "budget per run");
  add("at", cli::po::value(&at_text),
      "minutes, comma-separated, below --minutes (e.g. 5,10,20 with --minutes 40): each run is "
      "also stopped there, scored, drawn and resumed, for quality against training time "
      "(a second table and quality-vs-time.png)");
  add("seeds", cli::po::value(&seeds_text)->default_value(seeds_text), "seeds, comma-separated");
  add("recipes", cli::po::value(&recipes_text)->default_value(recipes_text),
      "all, names (comma-separated), or none (\"\", with --try)");
  add("try", cli::po::value(&tries)->composing(),
      "NAME=OPTIONS: also a recipe of your own, qd_train's OPTIONS (repeatable)");
  add("data", cli::po::value(&data)->default_value(data),
      "the images: qd_train's --shards (a .npy or shard directory; several, comma-separated, for a "
      "conditional --try)");
  add("classifier", cli::po::value(&classifier)->default_value(classifier), "for qd_score");
  add("holdout", cli::po::value(&holdout)->default_value(holdout),
      "qd_train's --holdout: the last N images of a .npy kept out of training, for qd_score's "
      "memorisation check (0: none, no check)");
  add("count", cli::po::value(&count)->default_value(count), "qd_score's --count");
  add("out", cli::po::value(&out)->default_value(out), "where the runs and results.md go");
  add("reuse", cli::po::bool_switch(&reuse),
      "a run whose directory in --out already holds a score for every stop is not trained "
      "again: its scores are read into the tables (to add a recipe to an earlier bake-off; "
      "the directory is trusted to hold that recipe and seed)");
  cli::parse_or_exit(argc, argv, command_line);

  std::vector<Recipe> chosen;
  const auto names = split_commas(recipes_text);
  for (const Recipe& r : recipes()) {
    if (recipes_text == "all" || std::find(names.begin(), names.end(), r.name) != names.end()) {
      chosen.push_back(r);
    }
  }
  for (const std::string& t : tries) {
    const size_t eq = t.find('=');
    if (eq == 0 || eq == std::string::npos) {
      throw cli::UsageError("--try " + t + ": expected NAME=OPTIONS, e.g. mine='--arch small'");
    }
    chosen.push_back({t.substr(0, eq), t.substr(eq + 1), "--try"});
  }
  if (chosen.empty()) throw cli::UsageError("--recipes: none of " + recipes_text + " is known");
  const auto seeds = split_commas(seeds_text);
  if (!(minutes > 0)) throw cli::UsageError("--minutes " + minutes_text(minutes) + ": must be > 0");
  std::vector<double> stops;  // the minutes at which each run is scored, the last --minutes
  for (const std::string& m : split_commas(at_text)) {
    char* end = nullptr;
    const double value = std::strtod(m.c_str(), &end);
    if (end == m.c_str() || *end != '\0' || !(value > 0) || value >= minutes ||
        (!stops.empty() && value <= stops.back())) {
      throw cli::UsageError("--at " + at_text + ": expected increasing minutes below --minutes " +
                            minutes_text(minutes) + ", e.g. --minutes 40 --at 5,10,20");
    }
    stops.push_back(value);
  }
  stops.push_back(minutes);
  fs::create_directories(out);
  std::map<std::string, std::vector<Figures>> figures;  // per recipe, per stop
  for (const Recipe& r : chosen) {
    figures[r.name].resize(stops.size());
    for (const std::string& seed : seeds) {
      const fs::path dir = fs::path(out) / (r.name + "-seed" + seed);
      const fs::path log = fs::path(out) / (r.name + "-seed" + seed + ".log");
      const auto score_path = [&](size_t i) {
        return dir / (i + 1 == stops.size() ? std::string("score.json")
                                            : "score-" + minutes_text(stops[i]) + "min.json");
      };
      bool scored = true;
      for (size_t i = 0; i < stops.size(); ++i) scored = scored && fs::exists(score_path(i));
      if (reuse && scored) {
        std::printf("%s, seed %s: reusing the scores in %s (--reuse)\n", r.name.c_str(),
                    seed.c_str(), dir.string().c_str());
        for (size_t i = 0; i < stops.size(); ++i) {
          figures[r.name][i].add(qd::train::read_score_file(score_path(i).string()), -1);
        }
        continue;
      }
      qd::remove_tree(dir.string());
      fs::remove(log);
      for (size_t i = 0; i < stops.size(); ++i) {
        const double from = i == 0 ? 0 : stops[i - 1];
        std::printf("%s, seed %s: training from %s to %s minutes...\n", r.name.c_str(),
                    seed.c_str(), minutes_text(from).c_str(), minutes_text(stops[i]).c_str());
        std::fflush(stdout);
        const std::string train =
            i == 0 ? std::string(QD_TRAIN_EXE) + " --shards '" + data + "' " + r.args +
                         " --holdout " + std::to_string(holdout) + " --seed " + seed +
                         " --epochs 100000 --out '" + dir.string() + "'"
                   : std::string(QD_TRAIN_EXE) + " --resume --out '" + dir.string() + "'";
        train_for(train, (stops[i] - from) * 60, log);
        const bool last = i + 1 == stops.size();
        const std::string suffix = last ? "" : "-" + minutes_text(stops[i]) + "min";
        const auto score_start = std::chrono::steady_clock::now();
        run(std::string(QD_SCORE_EXE) + " --run '" + dir.string() + "' --classifier '" +
            classifier + "' --count " + std::to_string(count));
        run(std::string(QD_SAMPLE_EXE) + " --run '" + dir.string() + "' --count 64 --grid '" +
            (dir / ("grid" + suffix + ".png")).string() + "'");
        const std::chrono::duration<double> score_time =
            std::chrono::steady_clock::now() - score_start;
        const qd::train::ScoreFile s = qd::train::read_score_file((dir / "score.json").string());
        if (!last) fs::rename(dir / "score.json", score_path(i));
        Figures& f = figures[r.name][i];
        f.add(s, score_time.count());
        std::printf("  FID %.2f, recall %.3f, top-1 %.1f%%, %.0f steps; scored in %.0f s\n",
                    f.fid.back(), f.recall.back(), 100 * f.top1.back(), f.steps.back(),
                    score_time.count());
      }
    }
  }

  std::ostringstream md;
  md << "| recipe | steps in " << minutes_text(minutes)
     << " min | FID | KID x 1000 | precision | recall | doodleNet top-1 | nearest-training ratio "
        "| copies (held-out) |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n";
  for (const Recipe& r : chosen) {
    md << "| " << r.name << " | " << figure_cells(figures[r.name].back(), true) << " |\n";
  }
  const Figures& any = figures[chosen.front().name].back();
  char floor[160];
  std::snprintf(floor, sizeof floor,
                "| floor (real vs real) | | %.1f | %.1f | | %.3f | %.1f%% (real) | | |\n",
                any.fid_floor, any.kid_floor * 1000, any.recall_floor, any.top1_real * 100);
  double score_seconds = 0;
  int64_t scored = 0;
  for (const auto& [name, at_stops] : figures) {
    for (const Figures& f : at_stops) {
      for (const double s : f.score_seconds) {
        score_seconds += s;
        ++scored;
      }
    }
  }
  md << floor << "\nMean over seeds " << seeds_text
     << " (lowest-highest in brackets); qd_score --count " << count
     << " on each run's latest checkpoint, and qd_sample's grid ("
     << static_cast<int>(score_seconds / std::max<int64_t>(scored, 1)) << " s each); --holdout "
     << holdout
     << ". Nearest-training ratio: the generated images' median distance to their nearest "
        "training image over the held-out real images' (doodleNet features; 1 = no nearer than "
        "new drawings); copies: the share of generated images nearer to a training image than "
        "99% of held-out ones (in brackets, the held-out images' own share).\n";
  if (stops.size() > 1) {
    md << "\nAlong the way: each run stopped (SIGTERM, a checkpoint) at " << at_text
       << " minutes, scored, drawn (grid-Mmin.png) and resumed (--resume, exact), so each row "
          "is what a run of that many minutes gives; every resume pays qd_train's start-up "
          "again.\n\n| recipe | minutes | steps | FID | recall | doodleNet top-1 | "
          "nearest-training ratio | copies (held-out) "
          "|\n|---|---:|---:|---:|---:|---:|---:|---:|\n";
    std::vector<qd::train::TimeCurve> curves;
    for (const Recipe& r : chosen) {
      qd::train::TimeCurve curve{r.name, stops, {}, {}, {}};
      for (size_t i = 0; i < stops.size(); ++i) {
        const Figures& f = figures[r.name][i];
        md << "| " << r.name << " | " << minutes_text(stops[i]) << " | " << figure_cells(f, false)
           << " |\n";
        curve.fid.push_back(mean(f.fid));
        curve.recall.push_back(mean(f.recall));
        curve.top1.push_back(mean(f.top1));
      }
      curves.push_back(curve);
    }
    qd::train::write_time_plot((fs::path(out) / "quality-vs-time.png").string(), curves,
                               {any.fid_floor, any.recall_floor, any.top1_real});
    md << "\n![quality against minutes of training](quality-vs-time.png)\n";
  }
  md << "\n| recipe | qd_train options | grid (seed " << seeds.front() << ") |\n|---|---|---|\n";
  for (const Recipe& r : chosen) {
    md << "| " << r.name << " | `" << r.args << "` | ![" << r.name << "](" << r.name << "-seed"
       << seeds.front() << "/grid.png) |\n";
  }
  std::printf("\n%s", md.str().c_str());
  std::ofstream((fs::path(out) / "results.md").string()) << md.str();
  return cli::kOk;
}

}  // namespace

int main(int argc, char** argv) {
  return cli::run_main("bake_off", [&] { return bake_off(argc, argv); });
}
