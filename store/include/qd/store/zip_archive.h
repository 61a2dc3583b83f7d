#pragma once
// Zip archives read back whole: LibTorch's checkpoints are zip files whose records are stored
// uncompressed, each with its CRC-32 in the archive's central directory. Checking those is what
// tells a checkpoint whose bytes changed on disk from one that is merely different.

#include <string>

namespace qd {

// Opens `path` with libzip's stricter consistency checks (the central directory against every
// local header) and reads every record to its end, which checks its CRC-32. Throws
// CorruptFileError, "<path> is corrupt (<why>)", for anything that is not that archive as written
// (a flipped byte, a truncated file, something that is not a zip archive, or an archive without a
// single record, which is what an emptied file reads as), and StoreError naming the path when
// the file cannot be opened or read at all.
void verify_zip_archive(const std::string& path);

}  // namespace qd
