#include "sample_flags.h"

namespace qd::train {

void add_sample_flags(cli::po::options_description& options, SampleRequest& request,
                      const char* count_help) {
  namespace po = cli::po;
  auto add = options.add_options();
  add("run,r", po::value(&request.run), "the run directory written by qd_train --out");
  cli::add_value(options, "count,n", request.count, count_help, kSampleCount);
  add("category,c", po::value(&request.category),
      "conditional runs: this category only (default: every category)");
  cli::add_value(options, "seed", request.seed, "seed of the noise", at_least<uint64_t>(0));
  cli::add_value(options, "truncation", request.truncation,
                 "the truncation trick (BigGAN's): noise components beyond +-PSI drawn again "
                 "until within; less variety (measure what it does with qd_score). 0: none",
                 kTruncation);
  add("checkpoint", po::value(&request.checkpoint)->default_value("latest"),
      "latest (the newest in <run>/checkpoints/), best (the best FID of a run trained with "
      "--classifier: checkpoints/best.pt) or a checkpoint file");
  add("last-weights", po::bool_switch(&request.last_weights),
      "runs trained with --ema-decay: the generator's last weights, not their average");
  add("device",
      cli::parsed_value<DeviceChoice>(&request.device, to_string(request.device),
                                      [](const std::string& s) { return parse_device_choice(s); }),
      "auto (CUDA when available), cpu or cuda");
}

}  // namespace qd::train
