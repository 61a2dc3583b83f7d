#pragma once
// A trained run's generator exported: the ONNX file, the web page that draws with it, and the
// noise qd_sample draws for a seed (to check the two against each other).

#include <atomic>
#include <string>
#include <vector>

#include "qd/run/trained_run.h"

namespace qd::train {

// Where ONNX Runtime Web's files are looked for when --ort-web is not given: where
// `scripts/setup.sh --web` installs the npm package onnxruntime-web.
inline constexpr const char* kDefaultOrtWeb =
    "/usr/local/lib/qd-web/node_modules/onnxruntime-web/dist";

struct ExportRequest {
  // The run, its checkpoint and weights (last or averaged); count, seed and category say which
  // noise `noise` and `labels` hold and which drawings the page shows first.
  SampleRequest sample;
  std::string onnx;     // the .onnx file to write; "" for none
  std::string web;      // a directory for the page; "" for none
  std::string ort_web;  // onnxruntime-web's dist/ directory (the page's runtime)
  std::string noise;    // .npy: float32 [count, latent], qd_sample's noise for sample.seed
  std::string labels;   // .npy: int64 [count], the labels qd_sample gives (conditional runs)
};

// Writes what `request` asks for, each file atomically (the page as a whole directory), and
// returns the paths written. Throws RunDirectoryError or std::invalid_argument for what the
// command line got wrong (no run, unknown category, --labels for an unconditional run, an
// --ort-web without ONNX Runtime Web, a --web directory holding something else),
// std::runtime_error for a checkpoint that does not load (naming the qd version that wrote the
// run when it is not this one), and what generator_onnx throws.
std::vector<std::string> export_run(const ExportRequest& request, const std::atomic<bool>& stop);

}  // namespace qd::train
