#pragma once
// Google's binary format (quickdraw-dataset README, "Binary files";
// examples/binary_file_parser.py): records back to back, each
//   key_id uint64 LE, countrycode 2 ASCII bytes, recognized uint8, timestamp uint32 LE (Unix
//   seconds), n_strokes uint16 LE, then per stroke: n_points uint16 LE, x[n_points] uint8,
//   y[n_points] uint8.
// The word is not in the record: it is the file's name. Nothing says where a record ends but
// its own counts, so a reader frames records by walking them (binary_record_length).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "qd/pipeline/drawing_parser.h"

namespace qd {

inline constexpr size_t kBinaryHeaderBytes = 17;  // key_id .. n_strokes

// Reads exactly one record into `out` (its word left empty). Errors: cut_short (the bytes end
// before the record's counts say it does), wrong_type (a recognized byte other than 0 or 1),
// empty_drawing (0 strokes), empty_stroke (a stroke of 0 points), length_mismatch (bytes after the
// last stroke). out.key_id is set as soon as the header is there, so messages can name the record.
std::optional<ParseError> parse_binary_record(std::string_view record, Drawing& out);

}  // namespace qd
