#include "qd/run/run_report.h"

#include <algorithm>
#include <boost/archive/iterators/base64_from_binary.hpp>
#include <boost/archive/iterators/transform_width.hpp>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "qd/eval/score_file.h"
#include "qd/report/metrics_log.h"
#include "qd/report/quality_log.h"
#include "qd/run/run_directory.h"
#include "qd/store/atomic_file.h"
#include "qd/store/json.h"

namespace qd::train {

namespace fs = std::filesystem;

namespace {

std::string escaped(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string base64(const std::string& bytes) {
  using namespace boost::archive::iterators;
  using Encoder = base64_from_binary<transform_width<std::string::const_iterator, 6, 8>>;
  std::string out(Encoder(bytes.begin()), Encoder(bytes.end()));
  out.append((3 - bytes.size() % 3) % 3, '=');
  return out;
}

std::string number(const char* format, double v) {
  char text[64];
  std::snprintf(text, sizeof text, format, v);
  return text;
}

class Page {
 public:
  explicit Page(fs::path dir) : dir_(std::move(dir)) {}

  // The picture at `relative` embedded, with its caption; nothing when the file is absent.
  void figure(const std::string& relative, const std::string& caption) {
    const fs::path path = dir_ / relative;
    if (!fs::exists(path)) return;
    const std::string type = path.extension() == ".gif" ? "image/gif" : "image/png";
    html_ << "<figure><img src=\"data:" << type << ";base64," << base64(read_file(path.string()))
          << "\" alt=\"" << escaped(relative) << "\"><figcaption>" << escaped(caption) << " <code>"
          << escaped(relative) << "</code></figcaption></figure>\n";
  }
  std::ostringstream& html() { return html_; }

 private:
  fs::path dir_;
  std::ostringstream html_;
};

// Whether any row has memorisation figures (the run has held-out images).
bool memorisation_measured(const std::vector<QualityRow>& rows) {
  return std::any_of(rows.begin(), rows.end(),
                     [](const QualityRow& r) { return r.memorisation.has_value(); });
}

void quality_table(std::ostringstream& html, const std::vector<QualityRow>& rows,
                   const QualityRow* best) {
  const bool memorisation = memorisation_measured(rows);
  html << "<table><tr><th>evaluation</th><th>category</th><th>epoch</th><th>step</th>"
          "<th>n</th><th>FID</th><th>floor</th><th>KID&times;1000</th><th>floor</th>"
          "<th>precision</th><th>floor</th><th>recall</th><th>floor</th><th>top-1</th>"
          "<th>real top-1</th>"
       << (memorisation ? "<th>memorisation ratio</th><th>copies</th><th>held-out copies</th>" : "")
       << "</tr>\n";
  const auto row = [&](const char* label, const QualityRow& r) {
    html << "<tr><td>" << label << "</td><td>" << escaped(r.category) << "</td><td>" << r.epoch
         << "</td><td>" << r.step << "</td><td>" << r.n << "</td><td>" << number("%.2f", r.fid)
         << "</td><td>" << number("%.2f", r.fid_floor) << "</td><td>"
         << number("%.2f", r.kid * 1000) << "</td><td>" << number("%.2f", r.kid_floor * 1000)
         << "</td><td>" << number("%.3f", r.precision) << "</td><td>"
         << number("%.3f", r.precision_floor) << "</td><td>" << number("%.3f", r.recall)
         << "</td><td>" << number("%.3f", r.recall_floor) << "</td><td>"
         << number("%.1f%%", r.top1 * 100) << "</td><td>" << number("%.1f%%", r.top1_real * 100)
         << "</td>";
    if (memorisation && r.memorisation) {
      html << "<td>" << number("%.2f", r.memorisation->ratio) << "</td><td>"
           << number("%.1f%%", r.memorisation->copies * 100) << "</td><td>"
           << number("%.1f%%", r.memorisation->copies_held_out * 100) << "</td>";
    } else if (memorisation) {
      html << "<td>&ndash;</td><td>&ndash;</td><td>&ndash;</td>";  // not measured
    }
    html << "</tr>\n";
  };
  const int64_t latest = rows.back().step;
  for (const QualityRow& r : rows) {
    if (r.step == latest) row("latest", r);
  }
  if (best != nullptr && best->step != latest) {
    for (const QualityRow& r : rows) {
      if (r.step == best->step) row("best", r);
    }
  }
  html << "</table>\n";
}

void score_table(std::ostringstream& html, const ScoreFile& s) {
  html << "<p>qd_score of <code>" << escaped(s.checkpoint) << "</code>, " << s.count
       << " images per category (seed " << s.seed;
  if (s.truncation > 0) html << ", noise truncated at " << s.truncation;
  html << "), in the classifier's " << s.feature_size << "-d features; written "
       << escaped(s.written_at) << ".</p>\n";
  const bool among = !s.score.categories.empty() && s.score.categories.front().among_of > 1;
  html << "<table><tr><th>category</th><th>top-1</th><th>top-5</th>"
       << (among ? "<th>among the run's categories</th>" : "")
       << "<th>real top-1</th><th>n</th><th>FID</th><th>floor</th><th>KID&times;1000</th>"
          "<th>floor</th><th>precision</th><th>recall</th></tr>\n";
  const auto row = [&, among](const std::string& name, const Recognition* g, const Recognition* r,
                              const Distribution& d, const Distribution& f) {
    html << "<tr><td>" << escaped(name) << "</td>";
    if (g != nullptr) {
      html << "<td>" << number("%.1f%%", g->top1 * 100) << "</td><td>"
           << number("%.1f%%", g->top5 * 100) << "</td><td>";
      if (among) html << number("%.1f%%", g->among * 100) << "</td><td>";
      html << number("%.1f%%", r->top1 * 100) << "</td>";
    } else {
      html << (among ? "<td></td>" : "") << "<td></td><td></td><td></td>";
    }
    html << "<td>" << d.n << "</td><td>" << number("%.2f", d.fid) << "</td><td>"
         << number("%.2f", f.fid) << "</td><td>" << number("%.2f", d.kid.mean * 1000) << "</td><td>"
         << number("%.2f", f.kid.mean * 1000) << "</td><td>" << number("%.3f", d.pr.precision)
         << "</td><td>" << number("%.3f", d.pr.recall) << "</td></tr>\n";
  };
  for (const CategoryScore& c : s.score.categories) {
    row(c.category, &c.generated, &c.real, c.distance, c.floor);
  }
  if (s.score.categories.size() > 1) row("all", nullptr, nullptr, s.score.distance, s.score.floor);
  html << "</table>\n";
  const MemorisationCheck& m = s.score.memorisation;
  if (!m.skipped.empty()) {
    html << "<p>Memorisation: not checked: " << escaped(m.skipped) << ".</p>\n";
    return;
  }
  html << "<p>Memorisation: each image's distance to its nearest training image, generated "
          "against held-out real images the run never trained on. A generator that does not copy "
          "sits as far away as they do (ratio about 1); a copy is nearer than 99% of the "
          "held-out images are.</p>\n<table><tr><th>space</th><th>median generated</th>"
          "<th>median held-out</th><th>ratio</th><th>copies</th><th>held-out</th></tr>\n";
  for (const auto& [space, v] :
       {std::pair{"classifier features", &m.features}, std::pair{"pixels", &m.pixels}}) {
    html << "<tr><td>" << space << "</td><td>" << number("%.3f", v->median_generated) << "</td><td>"
         << number("%.3f", v->median_held_out) << "</td><td>" << number("%.2f", v->ratio)
         << "</td><td>" << number("%.1f%%", v->copies * 100) << "</td><td>"
         << number("%.1f%%", v->held_out_copies * 100) << "</td></tr>\n";
  }
  html << "</table>\n";
}

// The grid of the epoch that `best` ended, if it is still there.
std::string epoch_grid(int64_t epoch) {
  char name[40];
  std::snprintf(name, sizeof name, "samples/epoch-%04lld.png", static_cast<long long>(epoch));
  return name;
}

}  // namespace

void write_run_report(const std::string& run_dir) {
  const fs::path dir(run_dir);
  const SavedRun run = read_run_config(run_dir);
  Page page(dir);
  std::ostringstream& html = page.html();
  const std::string name =
      dir.filename().empty() ? dir.parent_path().filename().string() : dir.filename().string();
  html << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>qd run "
       << escaped(name)
       << "</title>\n<style>\n"
          "body{font-family:'DejaVu Sans',sans-serif;margin:24px;color:#222;max-width:1100px}\n"
          "h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ccc}\n"
          "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;"
          "padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}\n"
          "figure{display:inline-block;margin:6px 18px 6px 0;vertical-align:top}\n"
          "figcaption{font-size:12px;color:#555}img{image-rendering:pixelated;max-width:100%}\n"
          ".grids img{width:288px}\n</style></head><body>\n";
  html << "<h1>qd run <code>" << escaped(name) << "</code></h1>\n<p>";

  const fs::path metrics = dir / "metrics.csv";
  const std::vector<MetricsRow> progress =
      fs::exists(metrics) ? read_metrics_csv(metrics.string()) : std::vector<MetricsRow>{};
  if (progress.empty()) {
    html << "No steps logged yet.";
  } else {
    const MetricsRow& last = progress.back();
    html << "Epoch " << last.epoch << " of " << run.options.epochs << ", step " << last.step
         << "; D loss " << number("%.3f", last.loss_d) << ", G loss " << number("%.3f", last.loss_g)
         << ", D(x) " << number("%.2f", last.d_real) << ", D(G(z)) " << number("%.2f", last.d_fake)
         << ".";
  }
  html << " " << run.images << " images of " << to_string(run.image) << " in "
       << run.categories.size() << (run.categories.size() == 1 ? " category" : " categories")
       << ": " << escaped(option_text(run.categories)) << ".";
  if (run.processes > 1) {
    html << " Trained by " << run.processes << " data-parallel processes, "
         << run.options.batch_size / run.processes << " images a step each.";
  }
  html << " Written " << escaped(utc_now()) << ".</p>\n";

  const fs::path quality = dir / "quality.csv";
  const std::vector<QualityRow> rows =
      fs::exists(quality) ? read_step_csv<QualityRow>(quality.string()) : std::vector<QualityRow>{};
  const QualityRow* best = best_row(rows);

  html << "<h2>Samples</h2>\n<div class=\"grids\">\n";
  std::vector<std::string> grids;
  if (fs::is_directory(dir / "samples")) {
    for (const auto& entry : fs::directory_iterator(dir / "samples")) {
      const std::string file = entry.path().filename().string();
      if (file.rfind("epoch-", 0) == 0 && entry.path().extension() == ".png") grids.push_back(file);
    }
  }
  std::sort(grids.begin(), grids.end());
  const std::string latest = grids.empty() ? "" : "samples/" + grids.back();
  if (!latest.empty()) page.figure(latest, "latest epoch, fixed noise:");
  if (best != nullptr && latest != epoch_grid(best->epoch)) {
    page.figure(epoch_grid(best->epoch), "best FID (" + number("%.2f", best->fid) + ", epoch " +
                                             std::to_string(best->epoch) + "):");
  }
  page.figure("samples/real.png", "the data:");
  page.figure("progress.gif", "every epoch:");
  html << "</div>\n";

  html << "<h2>Quality</h2>\n";
  if (rows.empty()) {
    html << "<p>Not evaluated as it trains (qd_train --classifier DIR evaluates every "
            "--eval-every epochs).</p>\n";
  } else {
    html << "<p>In the classifier's features (<code>" << escaped(run.options.classifier)
         << "</code>), " << rows.back().n
         << " generated images a side against the run's real images; floor: two halves of "
            "the real images, what a perfect generator would score. Best checkpoint: "
            "<code>checkpoints/best.pt</code> (step "
         << best->step << ").</p>\n";
    if (memorisation_measured(rows)) {
      html << "<p>Memorisation, in the same features: the generated images' median distance to "
              "their nearest training image over the held-out real images' (ratio: about 1 or "
              "more when the generator does not copy, below 1 when it does), and the share of "
              "each nearer than 99% of the held-out images are (copies).</p>\n";
    }
    quality_table(html, rows, best);
    page.figure("quality.png", "");
  }
  const fs::path score = dir / "score.json";
  if (fs::exists(score)) {
    html << "<h2>qd_score</h2>\n";
    score_table(html, read_score_file(score.string()));
    page.figure("samples/nearest.png",
                "The generated images nearest to a training image (rows 1, 3, 5), each above its "
                "nearest training image (rows 2, 4, 6).");
  }

  html << "<h2>Losses</h2>\n";
  page.figure("loss.png", "");

  html << "<h2>Options</h2>\n<table>\n";
  visit_run_fields(
      [&](const char* key, OnResume, const char*, const auto&, const auto& v) {
        html << "<tr><td>--" << escaped(option_name(key)) << "</td><td>" << escaped(option_text(v))
             << "</td></tr>\n";
      },
      run.options);
  html << "</table>\n<p>All of it in <code>config.json</code>; the figures in "
          "<code>metrics.csv</code> and <code>quality.csv</code>.</p>\n</body></html>\n";
  write_file_atomically((dir / "report.html").string(), html.str());
}

}  // namespace qd::train
