#pragma once
// sketch-rnn's data file: `<category>.npz`, a zip of three .npy files, train.npy, valid.npy and
// test.npy, each a 1-d object array of int16 [n, 3] arrays, one per drawing: rows (dx, dy, pen
// lifted), dx and dy from the previous point (the first from (0, 0)), pen lifted 1 on the last
// point of each stroke. Object arrays in .npy are a pickle of the array (protocol 2, as Python 2
// wrote sketch-rnn's files), so it loads as sketch-rnn loads it:
//   numpy.load(path, allow_pickle=True, encoding='latin1')['train']
// Written split by split as drawings arrive (memory stays flat), zipped with libzip.

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "qd/store/manifest.h"

namespace qd {

enum class Stroke3Split : uint8_t { kTrain, kValid, kTest };
inline constexpr std::array<const char*, 3> kStroke3SplitNames = {"train", "valid", "test"};

// A drawing's sketch-rnn split, from the same hash of its key_id as the bitmaps' (split_of):
// valid is exactly the bitmaps' val; test takes as many again from the bitmaps' train (hash in
// [val_fraction, 2 val_fraction)); train the rest. So a drawing in the bitmaps' train is in
// stroke-3's train or test, and never in valid.
Stroke3Split stroke3_split_of(uint64_t key_id, double val_fraction);

// Appends `drawing`'s stroke-3 rows, 3 int16 each, to `rows`. `points` and `stroke_ends` as in
// qd::Drawing (x, y interleaved: points[2 i], points[2 i + 1]).
void append_stroke3(const uint8_t* points_xy, const uint32_t* stroke_ends, size_t strokes,
                    std::vector<int16_t>& rows);

class Stroke3Writer {
 public:
  // Writes <directory>/<file_name> (e.g. "cat.npz") when finished; until then, a hidden .npy per
  // split in `directory`, removed by finish() or the destructor.
  Stroke3Writer(std::string directory, std::string file_name);
  ~Stroke3Writer();
  Stroke3Writer(const Stroke3Writer&) = delete;
  Stroke3Writer& operator=(const Stroke3Writer&) = delete;

  // One drawing of `count` rows (3 int16 each). Throws StoreError past 2^31 - 1 drawings a split.
  void append(Stroke3Split split, const int16_t* rows, uint64_t count);
  // Zips the three splits into the .npz and checks its entries. Throws StoreError naming the file.
  Stroke3Info finish();

 private:
  struct Split;
  std::string directory_;
  std::string file_name_;
  std::unique_ptr<Split> splits_[3];
};

// Re-reads a written .npz and checks its size and CRC-32 against `info`. Throws StoreError naming
// the file and the mismatch.
void verify_stroke3(const std::string& directory, const Stroke3Info& info);

}  // namespace qd
