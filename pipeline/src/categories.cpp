#include "qd/pipeline/categories.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <numeric>

namespace qd {
namespace {

// Generated from googlecreativelab/quickdraw-dataset's categories.txt, in its order.
const char* const kCategoryNames[] = {
    "aircraft carrier",
    "airplane",
    "alarm clock",
    "ambulance",
    "angel",
    "animal migration",
    "ant",
    "anvil",
    "apple",
    "arm",
    "asparagus",
    "axe",
    "backpack",
    "banana",
    "bandage",
    "barn",
    "baseball",
    "baseball bat",
    "basket",
    "basketball",
    "bat",
    "bathtub",
    "beach",
    "bear",
    "beard",
    "bed",
    "bee",
    "belt",
    "bench",
    "bicycle",
    "binoculars",
    "bird",
    "birthday cake",
    "blackberry",
    "blueberry",
    "book",
    "boomerang",
    "bottlecap",
    "bowtie",
    "bracelet",
    "brain",
    "bread",
    "bridge",
    "broccoli",
    "broom",
    "bucket",
    "bulldozer",
    "bus",
    "bush",
    "butterfly",
    "cactus",
    "cake",
    "calculator",
    "calendar",
    "camel",
    "camera",
    "camouflage",
    "campfire",
    "candle",
    "cannon",
    "canoe",
    "car",
    "carrot",
    "castle",
    "cat",
    "ceiling fan",
    "cello",
    "cell phone",
    "chair",
    "chandelier",
    "church",
    "circle",
    "clarinet",
    "clock",
    "cloud",
    "coffee cup",
    "compass",
    "computer",
    "cookie",
    "cooler",
    "couch",
    "cow",
    "crab",
    "crayon",
    "crocodile",
    "crown",
    "cruise ship",
    "cup",
    "diamond",
    "dishwasher",
    "diving board",
    "dog",
    "dolphin",
    "donut",
    "door",
    "dragon",
    "dresser",
    "drill",
    "drums",
    "duck",
    "dumbbell",
    "ear",
    "elbow",
    "elephant",
    "envelope",
    "eraser",
    "eye",
    "eyeglasses",
    "face",
    "fan",
    "feather",
    "fence",
    "finger",
    "fire hydrant",
    "fireplace",
    "firetruck",
    "fish",
    "flamingo",
    "flashlight",
    "flip flops",
    "floor lamp",
    "flower",
    "flying saucer",
    "foot",
    "fork",
    "frog",
    "frying pan",
    "garden",
    "garden hose",
    "giraffe",
    "goatee",
    "golf club",
    "grapes",
    "grass",
    "guitar",
    "hamburger",
    "hammer",
    "hand",
    "harp",
    "hat",
    "headphones",
    "hedgehog",
    "helicopter",
    "helmet",
    "hexagon",
    "hockey puck",
    "hockey stick",
    "horse",
    "hospital",
    "hot air balloon",
    "hot dog",
    "hot tub",
    "hourglass",
    "house",
    "house plant",
    "hurricane",
    "ice cream",
    "jacket",
    "jail",
    "kangaroo",
    "key",
    "keyboard",
    "knee",
    "knife",
    "ladder",
    "lantern",
    "laptop",
    "leaf",
    "leg",
    "light bulb",
    "lighter",
    "lighthouse",
    "lightning",
    "line",
    "lion",
    "lipstick",
    "lobster",
    "lollipop",
    "mailbox",
    "map",
    "marker",
    "matches",
    "megaphone",
    "mermaid",
    "microphone",
    "microwave",
    "monkey",
    "moon",
    "mosquito",
    "motorbike",
    "mountain",
    "mouse",
    "moustache",
    "mouth",
    "mug",
    "mushroom",
    "nail",
    "necklace",
    "nose",
    "ocean",
    "octagon",
    "octopus",
    "onion",
    "oven",
    "owl",
    "paintbrush",
    "paint can",
    "palm tree",
    "panda",
    "pants",
    "paper clip",
    "parachute",
    "parrot",
    "passport",
    "peanut",
    "pear",
    "peas",
    "pencil",
    "penguin",
    "piano",
    "pickup truck",
    "picture frame",
    "pig",
    "pillow",
    "pineapple",
    "pizza",
    "pliers",
    "police car",
    "pond",
    "pool",
    "popsicle",
    "postcard",
    "potato",
    "power outlet",
    "purse",
    "rabbit",
    "raccoon",
    "radio",
    "rain",
    "rainbow",
    "rake",
    "remote control",
    "rhinoceros",
    "rifle",
    "river",
    "roller coaster",
    "rollerskates",
    "sailboat",
    "sandwich",
    "saw",
    "saxophone",
    "school bus",
    "scissors",
    "scorpion",
    "screwdriver",
    "sea turtle",
    "see saw",
    "shark",
    "sheep",
    "shoe",
    "shorts",
    "shovel",
    "sink",
    "skateboard",
    "skull",
    "skyscraper",
    "sleeping bag",
    "smiley face",
    "snail",
    "snake",
    "snorkel",
    "snowflake",
    "snowman",
    "soccer ball",
    "sock",
    "speedboat",
    "spider",
    "spoon",
    "spreadsheet",
    "square",
    "squiggle",
    "squirrel",
    "stairs",
    "star",
    "steak",
    "stereo",
    "stethoscope",
    "stitches",
    "stop sign",
    "stove",
    "strawberry",
    "streetlight",
    "string bean",
    "submarine",
    "suitcase",
    "sun",
    "swan",
    "sweater",
    "swing set",
    "sword",
    "syringe",
    "table",
    "teapot",
    "teddy-bear",
    "telephone",
    "television",
    "tennis racquet",
    "tent",
    "The Eiffel Tower",
    "The Great Wall of China",
    "The Mona Lisa",
    "tiger",
    "toaster",
    "toe",
    "toilet",
    "tooth",
    "toothbrush",
    "toothpaste",
    "tornado",
    "tractor",
    "traffic light",
    "train",
    "tree",
    "triangle",
    "trombone",
    "truck",
    "trumpet",
    "t-shirt",
    "umbrella",
    "underwear",
    "van",
    "vase",
    "violin",
    "washing machine",
    "watermelon",
    "waterslide",
    "whale",
    "wheel",
    "windmill",
    "wine bottle",
    "wine glass",
    "wristwatch",
    "yoga",
    "zebra",
    "zigzag",
};

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Levenshtein distance, one row at a time.
size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), size_t{0});
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      diagonal = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, substitution});
    }
  }
  return row[b.size()];
}

std::string_view trim(std::string_view s) {
  const auto is_space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// Appends the non-empty, trimmed comma-separated names of `text`.
void split_names(std::string_view text, std::vector<std::string>& names) {
  for (;;) {
    const size_t comma = text.find(',');
    const std::string_view name = trim(text.substr(0, comma));
    if (!name.empty()) names.emplace_back(name);
    if (comma == std::string_view::npos) return;
    text.remove_prefix(comma + 1);
  }
}

std::vector<std::string> read_name_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw CategoryError("cannot read the category list " + path);
  std::vector<std::string> names;
  std::string line;
  while (std::getline(in, line)) {
    split_names(std::string_view(line).substr(0, line.find('#')), names);
  }
  if (in.bad()) throw CategoryError("cannot read the category list " + path);
  return names;
}

std::string unknown_name_message(const std::string& name) {
  std::string message = "unknown category '" + name + "': did you mean ";
  const std::vector<std::string> hints = nearest_categories(name);
  for (size_t i = 0; i < hints.size(); ++i) {
    message += (i > 0 ? ", '" : "'") + hints[i] + "'";
  }
  return message + "?";
}

}  // namespace

const std::vector<std::string>& official_categories() {
  static const std::vector<std::string> names(std::begin(kCategoryNames), std::end(kCategoryNames));
  return names;
}

bool is_official_category(std::string_view name) {
  const auto& names = official_categories();
  return std::find(names.begin(), names.end(), name) != names.end();
}

std::vector<std::string> nearest_categories(std::string_view name, size_t count) {
  const auto& names = official_categories();
  const std::string wanted = lowercase(name);
  std::vector<size_t> distance(names.size());
  for (size_t i = 0; i < names.size(); ++i)
    distance[i] = edit_distance(wanted, lowercase(names[i]));
  std::vector<size_t> order(names.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return distance[a] < distance[b]; });
  std::vector<std::string> nearest;
  for (size_t i = 0; i < std::min(count, order.size()); ++i) nearest.push_back(names[order[i]]);
  return nearest;
}

std::vector<std::string> resolve_categories(const std::string& spec) {
  const std::string_view trimmed = trim(spec);
  if (trimmed == "all") return official_categories();

  std::vector<std::string> names;
  if (!trimmed.empty() && trimmed.front() == '@') {
    names = read_name_file(std::string(trim(trimmed.substr(1))));
  } else {
    split_names(trimmed, names);
  }
  if (names.empty()) {
    throw CategoryError("no category given in '" + spec +
                        "': name official categories separated by commas, 'all', or @file");
  }

  std::vector<std::string> unique;
  std::string unknown;
  for (const std::string& name : names) {
    if (std::find(unique.begin(), unique.end(), name) != unique.end()) continue;
    unique.push_back(name);
    if (!is_official_category(name)) {
      unknown += (unknown.empty() ? "" : "\n") + unknown_name_message(name);
    }
  }
  if (!unknown.empty()) throw CategoryError(unknown);
  return unique;
}

std::vector<std::string> task_slice(const std::vector<std::string>& categories, size_t index,
                                    size_t count) {
  std::vector<std::string> slice;
  for (size_t i = index; i < categories.size(); i += count) slice.push_back(categories[i]);
  return slice;
}

std::pair<size_t, size_t> parse_task(std::string_view text) {
  const auto number = [&](std::string_view digits) -> size_t {
    if (digits.empty() || digits.size() > 9 ||
        digits.find_first_not_of("0123456789") != std::string_view::npos) {
      throw CategoryError("--task " + std::string(text) +
                          ": expected I/N, task I of N counted from 0 (e.g. "
                          "\"$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT\")");
    }
    return std::stoul(std::string(digits));
  };
  const size_t slash = text.find('/');
  const size_t index = number(text.substr(0, slash));
  const size_t count = number(slash == std::string_view::npos ? "" : text.substr(slash + 1));
  if (count == 0 || index >= count) {
    throw CategoryError("--task " + std::string(text) + ": need 0 <= I < N");
  }
  return {index, count};
}

}  // namespace qd
