#include "npy_header.h"

#include <charconv>
#include <stdexcept>

namespace qd::npy {
namespace {

[[noreturn]] void malformed(const std::string& why) {
  throw std::invalid_argument(why);
}

// A cursor over the header's Python dict literal. Only the literals NumPy writes are read:
// quoted strings without escapes, True and False, tuples of whole numbers.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  void skip_spaces() {
    while (at_ < text_.size() && text_[at_] == ' ') ++at_;
  }
  bool take(char c) {
    skip_spaces();
    if (at_ < text_.size() && text_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }
  void expect(char c, const std::string& where) {
    if (!take(c)) malformed(std::string("expected '") + c + "' " + where);
  }
  std::string quoted(const char* what) {
    skip_spaces();
    const char quote = at_ < text_.size() ? text_[at_] : '\0';
    if (quote != '\'' && quote != '"') malformed(std::string(what) + " is not a quoted string");
    const size_t close = text_.find(quote, at_ + 1);
    if (close == std::string_view::npos) malformed(std::string(what) + " has no closing quote");
    std::string s(text_.substr(at_ + 1, close - at_ - 1));
    if (s.find('\\') != std::string::npos) malformed(std::string(what) + " holds an escape");
    at_ = close + 1;
    return s;
  }
  bool boolean() {
    skip_spaces();
    for (const auto& [word, value] : {std::pair{"True", true}, std::pair{"False", false}}) {
      const std::string_view w(word);
      if (text_.substr(at_, w.size()) == w) {
        at_ += w.size();
        return value;
      }
    }
    malformed("fortran_order is not True or False");
  }
  std::vector<uint64_t> shape() {
    expect('(', "to open the shape");
    std::vector<uint64_t> dims;
    bool trailing_comma = false;
    while (!take(')')) {
      skip_spaces();
      const size_t end = text_.find_first_of(",) ", at_);
      const std::string_view item = text_.substr(at_, end - at_);
      uint64_t d = 0;
      const auto r = std::from_chars(item.data(), item.data() + item.size(), d);
      if (item.empty() || r.ec != std::errc() || r.ptr != item.data() + item.size()) {
        malformed("shape dimension '" + std::string(item) +
                  "' is not a whole number that fits 64 bits");
      }
      dims.push_back(d);
      at_ += item.size();
      trailing_comma = take(',');
      if (!trailing_comma) {
        expect(')', "to close the shape");
        break;
      }
    }
    // Python's (5) is the number 5, not a tuple: NumPy itself refuses such a shape.
    if (dims.size() == 1 && !trailing_comma) malformed("shape (n) is not a tuple: write (n,)");
    return dims;
  }
  bool at_end() {
    skip_spaces();
    return at_ == text_.size();
  }

 private:
  std::string_view text_;
  size_t at_ = 0;
};

}  // namespace

uint64_t element_size(std::string_view descr) {
  if (descr.size() < 3) return 0;
  const char order = descr[0];
  const char kind = descr[1];
  uint64_t size = 0;
  const auto r = std::from_chars(descr.data() + 2, descr.data() + descr.size(), size);
  if (r.ec != std::errc() || r.ptr != descr.data() + descr.size() || descr[2] == '0') return 0;
  // '|': byte order does not apply (one byte); '<': little-endian. Big-endian ('>') data would be
  // read with its bytes reversed, and '=' depends on the machine that wrote it.
  if (!(order == '|' && size == 1) && order != '<') return 0;
  const bool integer =
      (kind == 'u' || kind == 'i') && (size == 1 || size == 2 || size == 4 || size == 8);
  const bool real = kind == 'f' && (size == 2 || size == 4 || size == 8);
  const bool boolean = kind == 'b' && size == 1;
  return integer || real || boolean ? size : 0;
}

Header parse_header(std::string_view text) {
  // One Python dict literal, padded with spaces, ending in a newline.
  if (text.empty() || text.back() != '\n') malformed("the header does not end in a newline");
  text.remove_suffix(1);
  Reader in(text);
  if (!in.take('{')) malformed("the header is not one {...} dictionary ending in a newline");
  Header h;
  bool seen[3] = {false, false, false};
  while (!in.take('}')) {
    if (in.at_end()) malformed("the header is not one {...} dictionary ending in a newline");
    const std::string key = in.quoted("a key");
    in.expect(':', "after '" + key + "'");
    int index = -1;
    if (key == "descr") {
      index = 0;
      h.descr = in.quoted("descr");
    } else if (key == "fortran_order") {
      index = 1;
      h.fortran_order = in.boolean();
    } else if (key == "shape") {
      index = 2;
      h.shape = in.shape();
    } else {
      malformed("the header has an unknown key '" + key + "'");
    }
    if (seen[index]) malformed("the header gives '" + key + "' twice");
    seen[index] = true;
    if (!in.take(',')) {
      if (!in.take('}')) malformed("the header is not one {...} dictionary ending in a newline");
      break;
    }
  }
  if (!in.at_end()) malformed("the header is not one {...} dictionary ending in a newline");
  const char* names[] = {"descr", "fortran_order", "shape"};
  for (int i = 0; i < 3; ++i) {
    if (!seen[i]) malformed(std::string("header has no '") + names[i] + "'");
  }
  return h;
}

}  // namespace qd::npy
