#pragma once
// The static page that draws with an exported generator in the browser (ONNX Runtime Web, wasm):
// a grid of drawings, new ones on demand, a category picker, a truncation slider and a latent
// walk. Everything it needs is in its directory; nothing is fetched from elsewhere.

#include <string>

namespace qd::train {

// The files of ONNX Runtime Web the page loads, copied from its dist/ directory.
inline constexpr const char* kOrtWebFiles[] = {"ort.wasm.min.js", "ort-wasm-simd-threaded.mjs",
                                               "ort-wasm-simd-threaded.wasm"};

// Throws std::invalid_argument naming `ort_web` and the missing file, and how to install it.
void check_ort_web(const std::string& ort_web);

// Writes the page into `dir` (created, or replaced as a whole if it holds a page written
// before): index.html, qd_page.js, generator.onnx (`onnx`), page.json (`page_json`: the model's
// description and the first grid's noise) and ONNX Runtime Web's files. Throws
// std::invalid_argument for a `dir` that holds anything else, std::runtime_error for I/O errors.
void write_web_page(const std::string& dir, const std::string& ort_web, const std::string& onnx,
                    const std::string& page_json);

}  // namespace qd::train
