// qd_train --classifier: quality.csv, quality.png, checkpoints/best.pt and report.html, checked
// against qd_score and qd_sample, resumed, and opened in a real browser (headless Chromium).
#include <cairo.h>

#include <cmath>
#include <cstdlib>
#include <memory>

#include "qd/eval/score_file.h"
#include "qd/report/quality_log.h"
#include "train_e2e_support.h"

using namespace qd::test::train_e2e;

namespace {

std::string doodlenet(const path& shared) {
  return " --classifier " + quoted(shared / "models" / "doodlenet") + " ";
}

std::vector<qd::train::QualityRow> quality_of(const path& run) {
  return qd::train::read_step_csv<qd::train::QualityRow>((run / "quality.csv").string());
}

// quality.csv without the seconds an evaluation took.
std::string figures_of(const path& run) {
  std::string out;
  for (auto row : quality_of(run)) {
    row.eval_seconds = 0;
    out += row.line();
  }
  return out;
}

// The share of a PNG's pixels that are not white (0 for a blank page).
double ink_share(const path& png) {
  std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)> image(
      cairo_image_surface_create_from_png(png.c_str()), cairo_surface_destroy);
  if (cairo_surface_status(image.get()) != CAIRO_STATUS_SUCCESS) return 0;
  const int w = cairo_image_surface_get_width(image.get());
  const int h = cairo_image_surface_get_height(image.get());
  const int stride = cairo_image_surface_get_stride(image.get());
  const unsigned char* data = cairo_image_surface_get_data(image.get());
  int64_t inked = 0;
  for (int y = 0; y < h; ++y) {
    const auto* row = reinterpret_cast<const uint32_t*>(data + static_cast<ptrdiff_t>(y) * stride);
    for (int x = 0; x < w; ++x) inked += (row[x] & 0xffffff) != 0xffffff;
  }
  return static_cast<double>(inked) / std::max(1, w * h);
}

}  // namespace

TEST_CASE("--classifier: a quality row per epoch, best.pt the lowest FID, as qd_score finds it") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("quality_run");
  copy_bitmaps(shared, "cat", 400, dir / "cat.npy");
  const path run = dir / "run";
  const auto trained =
      run_command(qd_train("--shards " + quoted(dir / "cat.npy") + kQuick + doodlenet(shared) +
                           "--eval-count 100 --epochs 3 --seed 3 --out " + quoted(run)));
  REQUIRE_MESSAGE(trained.exit_code == 0, trained.output);
  CHECK_MESSAGE(trained.output.find("epoch 1: FID ") != std::string::npos, trained.output);
  CHECK_MESSAGE(trained.output.find("s evaluating (") != std::string::npos, trained.output);

  const auto rows = quality_of(run);
  REQUIRE(rows.size() == 3);
  for (size_t i = 0; i < rows.size(); ++i) {
    CHECK(rows[i].epoch == static_cast<int64_t>(i) + 1);
    CHECK(rows[i].step == rows[0].step * rows[i].epoch);  // at the end of each epoch
    CHECK(rows[i].category == qd::train::kAllCategories);
    CHECK(rows[i].n == 50);
    CHECK(rows[i].fid > rows[i].fid_floor);  // a 3-epoch GAN is far from the real cats
    CHECK(rows[i].fid_floor == rows[0].fid_floor);
    CHECK(rows[i].top1_real == rows[0].top1_real);
    CHECK(rows[i].top1_real > 0.5);
    CHECK_FALSE(rows[i].memorisation.has_value());  // no held-out images: not measured
  }
  CHECK_MESSAGE(trained.output.find("evaluations do not check memorisation: no held-out images") !=
                    std::string::npos,
                trained.output);
  const qd::train::QualityRow* best = qd::train::best_row(rows);
  REQUIRE(best != nullptr);
  for (const auto& r : rows) CHECK(best->fid <= r.fid);
  CHECK(is_png(run / "quality.png"));

  // best.pt holds the weights of the best step's checkpoint.
  const path best_file = run / "checkpoints" / "best.pt";
  REQUIRE(fs::exists(best_file));
  const path step_file = qd::train::checkpoint_path(run.string(), best->step);
  REQUIRE(fs::exists(step_file));
  auto a = state_of(run, best_file);
  auto b = state_of(run, step_file);
  CHECK(a.steps_done() == best->step);
  CHECK(same_tensors(*a.generator(), *b.generator()));

  // qd_score on best.pt with the same count reproduces the row (the first n of its images).
  const auto score =
      run_command(qd_score("--run " + quoted(run) + doodlenet(shared) +
                           "--count 100 --checkpoint best --json " + quoted(dir / "score.json")));
  REQUIRE_MESSAGE(score.exit_code == 0, score.output);
  const auto scored = qd::train::read_score_file((dir / "score.json").string());
  CHECK(scored.checkpoint == best_file.string());
  CHECK(scored.score.distance.fid == doctest::Approx(best->fid).epsilon(1e-6));
  CHECK(scored.score.floor.fid == doctest::Approx(best->fid_floor).epsilon(1e-6));
  CHECK(scored.score.distance.kid.mean == doctest::Approx(best->kid).epsilon(1e-6));
  CHECK(fs::exists(run / "score.json"));  // the run keeps it for its report

  // qd_sample: best, latest, a file; best where the run has none.
  for (const std::string& which : {std::string("best"), std::string("latest"), quoted(step_file)}) {
    const auto sampled = run_command(qd_sample("--run " + quoted(run) + " --count 4 --checkpoint " +
                                               which + " --npy " + quoted(dir / "s.npy")));
    CHECK_MESSAGE(sampled.exit_code == 0, sampled.output);
  }
  const auto plain = run_command(qd_train("--shards " + quoted(dir / "cat.npy") + kQuick +
                                          "--epochs 1 --out " + quoted(dir / "plain")));
  REQUIRE_MESSAGE(plain.exit_code == 0, plain.output);
  CHECK_FALSE(fs::exists(dir / "plain" / "quality.csv"));
  const auto no_best = run_command(qd_sample("--run " + quoted(dir / "plain") +
                                             " --checkpoint best --grid " + quoted(dir / "g.png")));
  CHECK(no_best.exit_code == 2);
  CHECK_MESSAGE(no_best.output.find("has no best checkpoint") != std::string::npos, no_best.output);

  // report.html: one file, its pictures embedded, the quality and qd_score tables.
  const std::string report = qd::test::read_file(run / "report.html");
  for (const char* expected :
       {"<h2>Quality</h2>", "<h2>qd_score</h2>", "data:image/png;base64,", "data:image/gif;base64,",
        "quality.png", "loss.png", "--eval-count</td><td>100", "checkpoints/best.pt"}) {
    CHECK_MESSAGE(report.find(expected) != std::string::npos, expected);
  }
  CHECK(report.find("src=\"http") == std::string::npos);
  CHECK(report.find("src=\"samples/") == std::string::npos);
}

TEST_CASE("--classifier on a conditional run: rows per category, deterministic, resume-exact") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("quality_resume");
  copy_bitmaps(shared, "cat", 200, dir / "cat.npy");
  copy_bitmaps(shared, "fish", 200, dir / "fish.npy");
  const std::string common = "--shards " + quoted(dir / "cat.npy") + "," +
                             quoted(dir / "fish.npy") + " --conditional" + kQuick +
                             doodlenet(shared) + "--eval-count 40 --seed 9 --ema-decay 0.9 --out ";
  train_straight_and_resumed(common, dir.path());
  const auto again = run_command(qd_train(common + quoted(dir / "again") + " --epochs 2"));
  REQUIRE_MESSAGE(again.exit_code == 0, again.output);

  const auto rows = quality_of(dir / "straight");
  REQUIRE(rows.size() == 6);  // cat, fish, all; twice
  CHECK(rows[0].category == "cat");
  CHECK(rows[1].category == "fish");
  CHECK(rows[2].category == qd::train::kAllCategories);
  CHECK(rows[2].n == rows[0].n + rows[1].n);
  CHECK(rows[2].top1 == doctest::Approx((rows[0].top1 + rows[1].top1) / 2));
  CHECK(figures_of(dir / "straight") == figures_of(dir / "again"));
  CHECK(figures_of(dir / "straight") == figures_of(dir / "halves"));
  auto a = state_of(dir / "straight", dir / "straight" / "checkpoints" / "best.pt");
  auto b = state_of(dir / "halves", dir / "halves" / "checkpoints" / "best.pt");
  CHECK(a.steps_done() == b.steps_done());
  CHECK(same_tensors(*a.averaged_generator(), *b.averaged_generator()));

  // --eval-count is the run's; a classifier that does not know a category is refused up front.
  const auto changed = run_command(
      qd_train(common + quoted(dir / "halves") + " --epochs 3 --resume --eval-count 50"));
  CHECK(changed.exit_code == 2);
  copy_bitmaps(shared, "cat", 100, dir / "not_a_class.npy");
  const auto unknown =
      run_command(qd_train("--shards " + quoted(dir / "not_a_class.npy") + kQuick +
                           doodlenet(shared) + "--out " + quoted(dir / "unknown")));
  CHECK(unknown.exit_code == 2);
  CHECK_MESSAGE(unknown.output.find("the classifier has no class not_a_class") != std::string::npos,
                unknown.output);
  CHECK_FALSE(fs::exists(dir / "unknown"));
}

TEST_CASE("report.html renders in headless Chromium") {
  QD_REQUIRE_SHARED(shared);
  std::string chromium;
  for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
    if (run_command(std::string("command -v ") + name + " >/dev/null 2>&1").exit_code == 0) {
      chromium = name;
      break;
    }
  }
  if (chromium.empty()) {
    MESSAGE("skipped: no Chromium on PATH (Debian: apt-get install chromium)");
    return;
  }
  qd::test::ScratchDir dir("quality_report");
  copy_bitmaps(shared, "cat", 300, dir / "cat.npy");
  const path run = dir / "run";
  const auto trained =
      run_command(qd_train("--shards " + quoted(dir / "cat.npy") + kQuick + doodlenet(shared) +
                           "--eval-count 100 --epochs 2 --out " + quoted(run)));
  REQUIRE_MESSAGE(trained.exit_code == 0, trained.output);
  const path shot = dir / "report.png";
  // No network: the page must stand on its own.
  const auto browser = run_command(
      chromium + " --headless --no-sandbox --disable-gpu --hide-scrollbars " +
      "--proxy-server=127.0.0.1:9 --window-size=1100,1800 --screenshot=" + quoted(shot) +
      " file://" + (run / "report.html").string() + " 2>&1");
  REQUIRE_MESSAGE(fs::exists(shot), browser.output);
  // The page drew its text, tables and pictures, not an error page or a blank one.
  CHECK(ink_share(shot) > 0.05);
}

TEST_CASE(
    "--holdout keeps real images out of training, and qd_score and the evaluations check "
    "memorisation against them") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("memorisation");
  copy_bitmaps(shared, "cat", 400, dir / "cat.npy");
  const path run = dir / "run";
  const auto trained =
      run_command(qd_train("--shards " + quoted(dir / "cat.npy") + kQuick + doodlenet(shared) +
                           "--eval-count 60 --holdout 100 --epochs 1 --out " + quoted(run)));
  REQUIRE_MESSAGE(trained.exit_code == 0, trained.output);
  CHECK(trained.output.find("300 images in 1 category") != std::string::npos);  // 400 - 100
  CHECK(qd::train::read_run_config(run.string()).options.holdout == 100);
  CHECK_MESSAGE(trained.output.find("memorisation ratio ") != std::string::npos, trained.output);
  CHECK_MESSAGE(trained.output.find("s of it checking memorisation") != std::string::npos,
                trained.output);

  // The evaluation's row: the ratio and shares of copies, in the classifier's features.
  const auto rows = quality_of(run);
  REQUIRE(rows.size() == 1);
  REQUIRE(rows[0].memorisation.has_value());
  const qd::train::MemorisationFigures figures = *rows[0].memorisation;
  CHECK(std::isfinite(figures.ratio));
  CHECK(figures.ratio > 0);
  CHECK(figures.copies >= 0);
  CHECK(figures.copies <= 1);
  CHECK(figures.copies_held_out == doctest::Approx(0.01));  // 1 of the 100 held-out images
  const std::string html = qd::test::read_file(run / "report.html");
  CHECK(html.find("<th>memorisation ratio</th>") != std::string::npos);

  const auto score = run_command(qd_score("--run " + quoted(run) + doodlenet(shared) +
                                          "--count 60 --json " + quoted(dir / "score.json")));
  REQUIRE_MESSAGE(score.exit_code == 0, score.output);
  CHECK_MESSAGE(score.output.find("median held-out") != std::string::npos, score.output);
  const auto m = qd::train::read_score_file((dir / "score.json").string()).score.memorisation;
  CHECK_MESSAGE(m.skipped.empty(), m.skipped);
  for (const qd::train::Memorisation* space : {&m.features, &m.pixels}) {
    CHECK(space->training == 300);
    CHECK(space->held_out == 100);
    CHECK(space->generated == 60);
    CHECK(space->median_held_out > 0);
    CHECK(space->held_out_copies == doctest::Approx(0.01).epsilon(0.01));
  }
  CHECK(is_png(run / "samples" / "nearest.png"));
  CHECK(qd::test::read_file(run / "report.html").find("Memorisation") != std::string::npos);

  // Without held-out images the check is skipped, saying how to get them.
  const auto plain = run_command(qd_train("--shards " + quoted(dir / "cat.npy") + kQuick +
                                          "--epochs 1 --out " + quoted(dir / "plain")));
  REQUIRE_MESSAGE(plain.exit_code == 0, plain.output);
  const auto unchecked =
      run_command(qd_score("--run " + quoted(dir / "plain") + doodlenet(shared) + "--count 60"));
  CHECK(unchecked.exit_code == 0);
  CHECK_MESSAGE(
      unchecked.output.find("memorisation: not checked: no held-out images") != std::string::npos,
      unchecked.output);
  CHECK(unchecked.output.find("--holdout N") != std::string::npos);

  const auto too_many = run_command(qd_train("--shards " + quoted(dir / "cat.npy") + kQuick +
                                             "--holdout 400 --out " + quoted(dir / "none")));
  CHECK(too_many.exit_code == 1);
  CHECK(too_many.output.find("--holdout 400 leaves none of its 400 images") != std::string::npos);
}
