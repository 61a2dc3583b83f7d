// qd_prepare from cron: a refresh never shrinks or empties a dataset silently, no record can make
// it run long or grow large, a stop signal is honoured at once, and a damaged category is repaired
// by a plain rerun.
#include <doctest/doctest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <chrono>
#include <csignal>
#include <map>
#include <string>
#include <thread>

#include "http_test_server.h"
#include "qd/store/manifest.h"
#include "test_support.h"

using qd::test::quoted;
using qd::test::run_command;
using qd::test::fs::path;
namespace fs = qd::test::fs;

namespace {

std::string qd_prepare(const std::string& args) {
  return std::string(QD_PREPARE_EXE) + " " + args;
}

// Every file of a directory tree by relative path, with its bytes.
std::map<std::string, std::string> snapshot(const path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) {
      files[fs::relative(e.path(), dir).string()] = qd::test::read_file(e.path());
    }
  }
  return files;
}

std::string gzip_of(const path& file) {
  return run_command("gzip -c " + quoted(file)).output;
}

}  // namespace

TEST_CASE("a cut, empty or foreign source never replaces a category: exit 3, output unchanged") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("refresh_refused");
  const path mirror = dir / "mirror";
  fs::create_directories(mirror);
  const path monkey = shared / "simplified-1000" / "monkey.ndjson";
  fs::copy_file(monkey, mirror / "monkey.ndjson");
  const std::string out = " --out " + quoted(dir / "data");
  REQUIRE(
      run_command(qd_prepare("--categories monkey --source " + quoted(mirror) + out)).exit_code ==
      0);
  const auto before = snapshot(dir / "data" / "monkey");

  const std::string text = qd::test::read_file(monkey);
  const std::string gz = gzip_of(monkey);
  const std::map<std::string, std::pair<std::string, std::string>> sources = {
      // name: (file, bytes) -> the message expected
      {"gzip cut short", {"monkey.ndjson.gz", gz.substr(0, gz.size() / 2)}},
      {"plain cut mid-line", {"monkey.ndjson", text.substr(0, text.size() / 2 + 7)}},
      {"empty plain file", {"monkey.ndjson", ""}},
      {"empty .gz", {"monkey.ndjson.gz", ""}},
      {"gzip of nothing", {"monkey.ndjson.gz", gzip_of("/dev/null")}},
      {"NUL bytes", {"monkey.ndjson", std::string(4096, '\0') + "\n"}},
      {"an error page", {"monkey.ndjson", "<html><body>503 Service Unavailable</body></html>\n"}},
  };
  const std::map<std::string, std::string> says = {
      {"gzip cut short", "the file is cut off"},   {"plain cut mid-line", "the file is cut off"},
      {"empty plain file", "the source is empty"}, {"empty .gz", "the source is empty"},
      {"gzip of nothing", "the source is empty"},  {"NUL bytes", "is a usable drawing"},
      {"an error page", "is a usable drawing"}};
  for (const auto& entry : sources) {
    // Not a structured binding: clang 14 (the asan preset) cannot capture one in CAPTURE's lambda.
    const std::string& name = entry.first;
    const auto& source = entry.second;
    CAPTURE(name);
    fs::remove(mirror / "monkey.ndjson");
    fs::remove(mirror / "monkey.ndjson.gz");
    qd::test::write_file(mirror / source.first, source.second);
    const auto r = run_command(qd_prepare("--categories monkey --source " + quoted(mirror) + out));
    CHECK_MESSAGE(r.exit_code == 3, r.output);
    CHECK_MESSAGE(r.output.find(says.at(name)) != std::string::npos, r.output);
    CHECK(snapshot(dir / "data" / "monkey") == before);
  }

  // Over HTTP: a 200 with an empty body, an error page sent as the file.
  const path site = dir / "site";
  fs::create_directories(site / "empty");
  fs::create_directories(site / "page");
  qd::test::write_file(site / "empty" / "monkey.ndjson", "");
  qd::test::write_file(site / "page" / "monkey.ndjson", "<html>Error 503</html>\n");
  const qd::test::HttpTestServer server(site);
  for (const char* base : {"empty", "page"}) {
    CAPTURE(base);
    const auto r = run_command(
        qd_prepare("--categories monkey --source " + server.url(base) + out + " --force"));
    CHECK_MESSAGE(r.exit_code == 3, r.output);
    CHECK(snapshot(dir / "data" / "monkey") == before);
  }

  // A first run says the same, and writes nothing.
  const auto first = run_command(qd_prepare("--categories monkey --source " + server.url("empty") +
                                            " --out " + quoted(dir / "fresh")));
  CHECK(first.exit_code == 3);
  CHECK(first.output.find("the source is empty") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "fresh" / "monkey"));
}

TEST_CASE("a result under half the previous one is refused, unless --allow-shrink") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("refresh_shrink");
  const path mirror = dir / "mirror";
  fs::create_directories(mirror);
  const std::string text = qd::test::read_file(shared / "simplified-1000" / "monkey.ndjson");
  qd::test::write_file(mirror / "monkey.ndjson", text);
  const std::string command =
      "--categories monkey --source " + quoted(mirror) + " --out " + quoted(dir / "data");
  REQUIRE(run_command(qd_prepare(command)).exit_code == 0);
  const auto before = snapshot(dir / "data" / "monkey");
  // The first 300 whole lines: a mirror that synced a third of the file.
  size_t end = 0;
  for (int i = 0; i < 300; ++i) end = text.find('\n', end) + 1;
  qd::test::write_file(mirror / "monkey.ndjson", text.substr(0, end));
  const auto refused = run_command(qd_prepare(command));
  CHECK(refused.exit_code == 3);
  CHECK_MESSAGE(refused.output.find("below half") != std::string::npos, refused.output);
  CHECK(refused.output.find("--allow-shrink") != std::string::npos);
  CHECK(snapshot(dir / "data" / "monkey") == before);
  const auto allowed = run_command(qd_prepare(command + " --allow-shrink"));
  CHECK_MESSAGE(allowed.exit_code == 0, allowed.output);
  CHECK(qd::read_manifest((dir / "data/monkey/manifest.json").string()).counts.read == 300);
}

TEST_CASE("a 10 MB record is skipped unread in seconds, in little memory") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("refresh_huge_record");
  const path mirror = dir / "mirror";
  fs::create_directories(mirror);
  // 1.5 million points in one valid record, after the real ones.
  std::string xs, ys;
  for (int i = 0; i < 1500000; ++i) {
    const std::string v = std::to_string((i * 37) % 256);
    xs += (i ? "," : "") + v;
    ys += (i ? "," : "") + v;
  }
  const std::string huge =
      R"({"word":"cat","countrycode":"US","timestamp":"2017-01-01 00:00:00.0",)"
      R"("recognized":true,"key_id":"99","drawing":[[[)" +
      xs + "],[" + ys + "]]]}\n";
  REQUIRE(huge.size() > 10'000'000);
  qd::test::write_file(mirror / "cat.ndjson",
                       qd::test::read_file(shared / "simplified" / "cat.ndjson") + huge);

  const auto start = std::chrono::steady_clock::now();
  const int pid = qd::test::spawn(
      qd_prepare("--categories cat --source " + quoted(mirror) + " --out " + quoted(dir / "data")));
  int status = 0;
  rusage usage{};
  REQUIRE(::wait4(pid, &status, 0, &usage) == pid);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(seconds < 5);
  CHECK(usage.ru_maxrss < 200 * 1024);  // KiB
  const qd::Manifest m = qd::read_manifest((dir / "data/cat/manifest.json").string());
  CHECK(m.counts.rejected[qd::RejectReason::kTooLarge] == 1);
  CHECK(m.counts.read == 26);
  // Within the byte limit but over the points limit: parsed, not rendered.
  const auto points = run_command(qd_prepare("--categories cat --source " + quoted(mirror) +
                                             " --out " + quoted(dir / "data2") +
                                             " --max-record-bytes 20000000 --max-points 1000"));
  CHECK_MESSAGE(points.exit_code == 0, points.output);
  CHECK(points.output.find("1500000 points in 1 strokes") != std::string::npos);
}

TEST_CASE("SIGTERM during a stalled download stops within 2 seconds, a FIFO is refused") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("refresh_stop");
  fs::create_directories(dir / "site");
  fs::copy_file(shared / "simplified-1000" / "monkey.ndjson", dir / "site" / "monkey.ndjson");
  const qd::test::HttpTestServer server(dir / "site");
  const int pid = qd::test::spawn(qd_prepare("--categories monkey --source " + server.url("stall") +
                                             " --out " + quoted(dir / "data")));
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const auto signalled = std::chrono::steady_clock::now();
  ::kill(pid, SIGTERM);
  CHECK(qd::test::wait_exit_code(pid) == 130);
  CHECK(std::chrono::steady_clock::now() - signalled < std::chrono::seconds(2));
  CHECK_FALSE(fs::exists(dir / "data" / "monkey"));

  fs::create_directories(dir / "fifo");
  REQUIRE(::mkfifo((dir / "fifo" / "cat.ndjson").c_str(), 0600) == 0);
  const auto fifo = run_command(qd_prepare("--categories cat --source " + quoted(dir / "fifo") +
                                           " --out " + quoted(dir / "data")));
  CHECK(fifo.exit_code == 3);
  CHECK(fifo.output.find("not a regular file") != std::string::npos);
}

TEST_CASE("a flipped byte in a shard or its keys is rebuilt by a plain rerun") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("refresh_repair");
  const std::string command = "--categories monkey --source " + quoted(shared / "simplified-1000") +
                              " --out " + quoted(dir / "data");
  REQUIRE(run_command(qd_prepare(command)).exit_code == 0);
  const auto good = snapshot(dir / "data" / "monkey");
  for (const char* file : {"train-00000.npy", "train-00000.keys.npy"}) {
    CAPTURE(file);
    std::string bytes = qd::test::read_file(dir / "data" / "monkey" / file);
    bytes[bytes.size() / 2] ^= 0x20;
    qd::test::write_file(dir / "data" / "monkey" / file, bytes);
    const auto r = run_command(qd_prepare(command));
    CHECK_MESSAGE(r.exit_code == 0, r.output);
    CHECK(r.output.find("CRC-32") != std::string::npos);
    CHECK(r.output.find("written") != std::string::npos);
    auto now = snapshot(dir / "data" / "monkey");
    now.erase("manifest.json");  // its created_at differs
    auto expected = good;
    expected.erase("manifest.json");
    CHECK(now == expected);
  }
  CHECK(run_command(qd_prepare(command)).output.find("up to date") != std::string::npos);
}

TEST_CASE("an unreadable source (a symlink loop) fails its category only") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("refresh_symlink_loop");
  const path mirror = dir / "mirror";
  fs::create_directories(mirror);
  fs::copy_file(shared / "simplified" / "cat.ndjson", mirror / "cat.ndjson");
  fs::create_symlink("loop-b", mirror / "loop-a");
  fs::create_symlink("loop-a", mirror / "loop-b");
  fs::create_symlink("loop-a", mirror / "dog.ndjson");
  const auto r = run_command(qd_prepare("--categories dog,cat --source " + quoted(mirror) +
                                        " --out " + quoted(dir / "data")));
  CHECK_MESSAGE(r.exit_code == 3, r.output);
  CHECK(r.output.find("dog: FAILED") != std::string::npos);
  CHECK(r.output.find("symbolic links") != std::string::npos);
  CHECK(fs::exists(dir / "data" / "cat" / "manifest.json"));
  CHECK(r.output.find("cat       written") != std::string::npos);
}

TEST_CASE("the cron wrapper skips a run that is still going, and reports a stuck one") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("refresh_cron_lock");
  fs::create_directories(dir / "data" / ".locks");
  const path lock = dir / "data" / ".locks" / "cat.lock";
  qd::test::write_file(lock, "4242\n");
  const int holder = qd::test::spawn("flock " + quoted(lock) + " sleep 20");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  // `out`: qd_prepare's --out, in any spelling it accepts.
  const auto wrapper = [&](const std::string& out) {
    return "QD_PREPARE=" + quoted(QD_PREPARE_EXE) + " " +
           quoted(path(QD_SOURCE_DIR) / "scripts" / "qd-prepare-cron.sh") + " --log " +
           quoted(dir / "log.txt") + " --categories cat --source " + quoted(shared / "simplified") +
           " " + out;
  };
  const path data = dir / "data";
  const auto fresh = run_command(wrapper("--out " + quoted(data)));
  CHECK(fresh.exit_code == 0);
  CHECK(fresh.output.empty());  // nothing for cron to mail
  CHECK(qd::test::read_file(dir / "log.txt").find("skipped") != std::string::npos);
  REQUIRE(run_command("touch -d '7 hours ago' " + quoted(lock)).exit_code == 0);
  // The wrapper once parsed the options itself and missed -oDIR: "skipped", exit 0, every night.
  for (const std::string& out : {"--out " + quoted(data), "--out=" + quoted(data),
                                 "-o " + quoted(data), "-o" + quoted(data)}) {
    CAPTURE(out);
    const auto stuck = run_command(wrapper(out));
    CHECK(stuck.exit_code == 4);
    CHECK_MESSAGE(stuck.output.find("stuck: ") != std::string::npos, stuck.output);
    CHECK(stuck.output.find("held for 7 h by pid 4242") != std::string::npos);
  }
  ::kill(holder, SIGTERM);
  qd::test::wait_exit_code(holder);
}

TEST_CASE("an option out of its range is refused before anything is written: exit 2, one line") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("refresh_bad_values");
  const std::string source = "--categories cat --source " + quoted(shared / "simplified");
  const std::string command = source + " --out " + quoted(dir / "data") + " --force";
  REQUIRE(run_command(qd_prepare(command)).exit_code == 0);
  const auto before = snapshot(dir / "data");
  const std::map<std::string, std::string> refused = {
      // Each was accepted: line width 0 wrote black images, -1 read as 2^64-1 (or 2^32-1: every
      // drawing dropped), a record limit of 0 still kept 21 of the 22 drawings.
      {"--line-width 0", "--line-width must be in 0.1..64, not 0"},
      {"--line-width nan", "--line-width must be in 0.1..64, not nan"},
      {"--padding inf", "--padding must be in 0..256, not inf"},
      {"--max-per-category -1", "--max-per-category must be >= 0, not -1"},
      {"--min-points -1", "--min-points must be >= 0, not -1"},
      {"--max-record-bytes 0", "--max-record-bytes must be in 1024..1073741824, not 0"},
      {"--min-extent 256", "--min-extent must be in 0..255, not 256"},
      {"--max-points 0", "--max-points must be >= 1, not 0"},
      {"--shard-size -5", "--shard-size must be >= 1, not -5"},
      {"-s 4097", "--size must be in 1..4096, not 4097"},
      {"--val-fraction 1.5", "--val-fraction must be in 0..1, not 1.5"},
      {"-j -1", "--threads must be in 0..1024, not -1"},
  };
  for (const auto& entry : refused) {
    const std::string& option = entry.first;
    CAPTURE(option);
    const auto r = run_command(qd_prepare(command + " " + option));
    CHECK(r.exit_code == 2);
    CHECK(r.output == "qd_prepare: " + entry.second + "\nTry 'qd_prepare --help'.\n");
    CHECK(snapshot(dir / "data") == before);
  }
  const auto first =
      run_command(qd_prepare(source + " --out " + quoted(dir / "new") + " --line-width 0"));
  CHECK(first.exit_code == 2);
  CHECK_FALSE(fs::exists(dir / "new"));
}

TEST_CASE("a category whose lock file cannot be created fails alone: exit 3, the others written") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("refresh_lock_unusable");
  // A directory where dog's lock file belongs: open() refuses it even to root, as it refuses
  // another user's lock file in a shared --out.
  fs::create_directories(dir / "data" / ".locks" / "dog.lock");
  const auto r =
      run_command(qd_prepare("--categories dog,cat --threads 1 --source " +
                             quoted(shared / "simplified") + " --out " + quoted(dir / "data")));
  CHECK_MESSAGE(r.exit_code == 3, r.output);
  CHECK(r.output.find("dog: FAILED") != std::string::npos);
  CHECK(r.output.find("dog.lock: cannot create lock file: Is a directory") != std::string::npos);
  CHECK(r.output.find("cat       written") != std::string::npos);  // the summary
  CHECK(fs::exists(dir / "data" / "cat" / "manifest.json"));
  CHECK_FALSE(fs::exists(dir / "data" / "dog"));
}

TEST_CASE("--max-record-bytes holds for every line, not only for one longer than a read") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("refresh_record_bytes");
  // Lines arriving with others in one read were kept whatever their length.
  const path file = shared / "simplified" / "blackberry.ndjson";
  const std::string text = qd::test::read_file(file);
  uint64_t longer = 0;
  for (size_t start = 0, end = 0; (end = text.find('\n', start)) != std::string::npos;
       start = end + 1) {
    longer += end - start > 1024 ? 1 : 0;
  }
  REQUIRE(longer > 0);
  const auto r =
      run_command(qd_prepare("--categories blackberry --source " + quoted(shared / "simplified") +
                             " --out " + quoted(dir / "data") + " --max-record-bytes 1024"));
  CHECK_MESSAGE(r.exit_code == 0, r.output);
  CHECK(r.output.find("too_large: a line of ") != std::string::npos);
  const qd::Manifest m = qd::read_manifest((dir / "data/blackberry/manifest.json").string());
  CHECK(m.counts.rejected[qd::RejectReason::kTooLarge] == longer);
}
