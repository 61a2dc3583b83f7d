// The real qd_sample's latent walks (--interpolate ... --gif) and truncation (--truncation).
#include <gif_lib.h>

#include <random>
#include <string>
#include <utility>
#include <vector>

#include "test_support.h"
#include "torch_doctest.h"
#include "train_e2e_support.h"

using namespace qd::test::train_e2e;

namespace {

struct GifFrames {
  int width = 0;
  int height = 0;
  std::vector<std::vector<uint8_t>> frames;  // palette indices, width * height each
};

GifFrames read_gif(const path& file) {
  int error = 0;
  GifFileType* gif = DGifOpenFileName(file.c_str(), &error);
  REQUIRE(gif != nullptr);
  REQUIRE(DGifSlurp(gif) == GIF_OK);
  GifFrames out;
  out.width = gif->SWidth;
  out.height = gif->SHeight;
  for (int f = 0; f < gif->ImageCount; ++f) {
    const SavedImage& image = gif->SavedImages[f];
    REQUIRE(image.ImageDesc.Width == out.width);
    REQUIRE(image.ImageDesc.Height == out.height);
    out.frames.emplace_back(image.RasterBits, image.RasterBits + size_t(out.width) * out.height);
  }
  DGifCloseFile(gif, &error);
  return out;
}

// Mean absolute difference of two grey frames (a grey GIF's indices are its grey levels).
double difference(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += std::abs(int(a[i]) - int(b[i]));
  return sum / static_cast<double>(a.size());
}

// A quick conditional run of cats and dogs to walk through.
path trained_pets(const path& shared, const qd::test::ScratchDir& dir) {
  copy_bitmaps(shared, "cat", 96, dir / "cat.npy");
  copy_bitmaps(shared, "dog", 96, dir / "dog.npy");
  const path run = dir / "run";
  const auto r =
      run_command(qd_train("--shards " + quoted(dir / "cat.npy") + "," + quoted(dir / "dog.npy") +
                           " --conditional --out " + quoted(run) + kQuick + "--epochs 2"));
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  return run;
}

}  // namespace

TEST_CASE(
    "qd_sample --interpolate: a looping GIF whose neighbouring frames differ less than "
    "random pairs") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("latent_walk");
  const path run = trained_pets(shared, dir);
  const std::string walk = "--run " + quoted(run) + " --seed 3 --interpolate 4 --frames 8 ";

  // Every category: a row of cats and dogs per walk, 3 walks, 4 x 8 frames.
  auto r = run_command(qd_sample(walk + "--walks 3 --gif " + quoted(dir / "walk.gif")));
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const GifFrames gif = read_gif(dir / "walk.gif");
  REQUIRE(gif.frames.size() == 32);
  CHECK(gif.width == 2 * 56 + 3 * 2);   // 2 categories of 28 x 2 pixels, 3 gaps of 2
  CHECK(gif.height == 3 * 56 + 4 * 2);  // 3 walks
  // Smooth: neighbouring frames (the last and the first too: it loops) differ less than frames
  // picked at random do.
  double neighbours = 0;
  for (size_t f = 0; f < gif.frames.size(); ++f) {
    neighbours += difference(gif.frames[f], gif.frames[(f + 1) % gif.frames.size()]);
  }
  neighbours /= static_cast<double>(gif.frames.size());
  std::mt19937 random(1);
  std::uniform_int_distribution<size_t> pick(0, gif.frames.size() - 1);
  double pairs = 0;
  const int kPairs = 200;
  for (int i = 0; i < kPairs; ++i)
    pairs += difference(gif.frames[pick(random)], gif.frames[pick(random)]);
  pairs /= kPairs;
  CAPTURE(neighbours);
  CAPTURE(pairs);
  CHECK(neighbours > 0);  // it moves
  CHECK(neighbours < pairs / 2);

  // One category: the walks side by side, the same seed's path.
  r = run_command(qd_sample(walk + "--walks 3 --category dog --gif " + quoted(dir / "dog.gif")));
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const GifFrames dog = read_gif(dir / "dog.gif");
  CHECK(dog.frames.size() == 32);
  CHECK(dog.width == 3 * 56 + 4 * 2);
  CHECK(dog.height == 56 + 2 * 2);
  // Deterministic: the same options, the same file.
  r = run_command(qd_sample(walk + "--walks 3 --category dog --gif " + quoted(dir / "again.gif")));
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  CHECK(qd::test::read_file(dir / "again.gif") == qd::test::read_file(dir / "dog.gif"));

  // What does not go together is a usage error naming it, and writes nothing.
  for (const std::string& bad :
       {walk + "--gif " + quoted(dir / "x.gif") + " --npy " + quoted(dir / "x.npy"),
        "--run " + quoted(run) + " --gif " + quoted(dir / "x.gif"),
        "--run " + quoted(run) + " --interpolate 4", walk + "--interpolate 1 --gif x.gif",
        walk + "--walks 0 --gif " + quoted(dir / "x.gif")}) {
    CAPTURE(bad);
    r = run_command(qd_sample(bad));
    CHECK(r.exit_code == 2);
  }
  CHECK_FALSE(fs::exists(dir / "x.gif"));
  CHECK_FALSE(fs::exists(dir / "x.npy"));
}

TEST_CASE("qd_sample --truncation: noise within psi changes the drawings, and 0 is none") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("truncation");
  const path run = trained_pets(shared, dir);
  const std::string sample = "--run " + quoted(run) + " --seed 5 --count 64 --npy ";
  const std::vector<std::pair<std::string, std::string>> draws{
      {"plain.npy", ""}, {"zero.npy", " --truncation 0"}, {"half.npy", " --truncation 0.5"}};
  for (const auto& file_and_flag : draws) {
    const auto r =
        run_command(qd_sample(sample + quoted(dir / file_and_flag.first) + file_and_flag.second));
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  }
  const std::string plain = qd::test::read_file(dir / "plain.npy");
  CHECK(qd::test::read_file(dir / "zero.npy") == plain);
  CHECK(qd::test::read_file(dir / "half.npy") != plain);
  const auto r = run_command(qd_sample(sample + quoted(dir / "bad.npy") + " --truncation 0.05"));
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--truncation") != std::string::npos);
}
