#include "qd/report/metrics_log.h"

#include <cinttypes>
#include <cstdio>

namespace qd::train {

std::string MetricsRow::line() const {
  char text[512];
  std::snprintf(text, sizeof text, "%" PRId64 ",%" PRId64 ",%.8g,%.8g,%.8g,%.8g,%.8g,%.8g,%.8g\n",
                step, epoch, loss_d, loss_g, d_real, d_fake, images_per_s, loader_wait_s,
                augment_p);
  return text;
}

bool MetricsRow::parse(const std::string& line, MetricsRow& r) {
  int consumed = 0;
  const int fields = std::sscanf(line.c_str(), "%" SCNd64 ",%" SCNd64 ",%lf,%lf,%lf,%lf,%lf,%lf%n",
                                 &r.step, &r.epoch, &r.loss_d, &r.loss_g, &r.d_real, &r.d_fake,
                                 &r.images_per_s, &r.loader_wait_s, &consumed);
  if (fields != 8) return false;
  if (static_cast<size_t>(consumed) == line.size()) {  // an older row, without augment_p
    r.augment_p = 1;
    return true;
  }
  int more = 0;
  return std::sscanf(line.c_str() + consumed, ",%lf%n", &r.augment_p, &more) == 1 &&
         static_cast<size_t>(consumed + more) == line.size();
}

}  // namespace qd::train
