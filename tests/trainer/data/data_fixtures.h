#pragma once
// Inputs for the dataset and loader tests, made in a scratch directory: .npy files of each shape
// Google and qd_prepare use, and category directories with a manifest as qd_prepare writes them.
// Every image is tagged with an id in its first four bytes, so tests can tell images apart.

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "qd/store/atomic_file.h"
#include "qd/store/manifest.h"
#include "qd/store/npy.h"

namespace qd::test {

// Image `id` of `bytes` bytes: the id in its first 4 bytes (little-endian), the rest id % 251.
inline std::vector<uint8_t> tagged_image(uint32_t id, size_t bytes) {
  std::vector<uint8_t> image(bytes, static_cast<uint8_t>(id % 251));
  std::memcpy(image.data(), &id, sizeof id);
  return image;
}

inline uint32_t image_tag(const uint8_t* image) {
  uint32_t id = 0;
  std::memcpy(&id, image, sizeof id);
  return id;
}

// An .npy of `count` tagged images (ids first_id...) with the given row shape, e.g. {784},
// {1, 784} or {28, 28}. Returns the file's CRC-32.
inline uint32_t write_tagged_npy(const std::filesystem::path& path, uint32_t first_id,
                                 uint64_t count, std::vector<uint64_t> row_shape,
                                 const std::string& descr = "|u1") {
  NpyWriter writer(path.string(), descr, std::move(row_shape));
  for (uint64_t i = 0; i < count; ++i) {
    writer.append(tagged_image(first_id + static_cast<uint32_t>(i), writer.row_bytes()).data(), 1);
  }
  return writer.commit();
}

// A category directory as qd_prepare writes it: one train shard per entry of `train_counts`,
// one val shard per entry of `val_counts`, and manifest.json (returned, to be altered by tests).
inline Manifest write_category_dir(const std::filesystem::path& dir, const std::string& category,
                                   int side, const std::vector<uint64_t>& train_counts,
                                   const std::vector<uint64_t>& val_counts, uint32_t first_id) {
  std::filesystem::create_directories(dir);
  Manifest m;
  m.category = category;
  m.generator = "qd_prepare test";
  m.created_at = "2026-11-24T12:00:00Z";
  m.settings.size = side;
  uint32_t id = first_id;
  const auto add = [&](Split split, const std::vector<uint64_t>& counts) {
    for (size_t i = 0; i < counts.size(); ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "%s-%05zu", to_string(split), i);
      ShardInfo info;
      info.file = std::string(name) + ".npy";
      info.keys = std::string(name) + ".keys.npy";
      info.split = split;
      info.count = counts[i];
      const std::filesystem::path file = dir / info.file;
      info.crc32 = write_tagged_npy(file, id, counts[i],
                                    {static_cast<uint64_t>(side), static_cast<uint64_t>(side)});
      info.bytes = std::filesystem::file_size(file);
      NpyWriter keys((dir / info.keys).string(), "<u8", {});
      for (uint64_t k = 0; k < counts[i]; ++k) {
        const uint64_t key = id + k;
        keys.append(&key, 1);
      }
      info.keys_bytes = keys.file_size();
      info.keys_crc32 = keys.commit();
      id += static_cast<uint32_t>(counts[i]);
      (split == Split::kTrain ? m.counts.train : m.counts.val) += counts[i];
      m.shards.push_back(info);
    }
  };
  add(Split::kTrain, train_counts);
  add(Split::kVal, val_counts);
  m.counts.kept = m.counts.read = m.counts.train + m.counts.val;
  write_file_atomically((dir / "manifest.json").string(), to_json(m));
  return m;
}

}  // namespace qd::test
