// The real qd_prepare executable: on the hand-made fixture, on ../shared data (plain, gzipped,
// cut), over HTTP from a server on 127.0.0.1, killed midway, and racing another run.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "http_test_server.h"
#include "qd/store/manifest.h"
#include "qd/store/npy.h"
#include "test_support.h"

using qd::test::quoted;
using qd::test::run_command;
using qd::test::spawn;
using qd::test::wait_exit_code;
using qd::test::fs::path;

namespace {

std::string qd_prepare(const std::string& args) {
  return std::string(QD_PREPARE_EXE) + " " + args;
}

std::string numpy_says(const std::string& script) {
  const auto r = run_command(std::string(QD_PYTHON) + " -c \"import numpy as np; " + script + "\"");
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  return r.output.substr(0, r.output.find_last_not_of('\n') + 1);
}

// Every shard of a prepared category matches its manifest (CRCs recomputed from the files).
void check_category(const path& dir, uint64_t expected_kept) {
  const qd::Manifest m = qd::read_manifest((dir / "manifest.json").string());
  uint64_t images = 0;
  for (const auto& s : m.shards) {
    const qd::MappedNpy npy((dir / s.file).string());
    const qd::MappedNpy keys((dir / s.keys).string());
    CHECK(npy.rows() == s.count);
    CHECK(keys.rows() == s.count);
    images += s.count;
  }
  CHECK(images == m.counts.kept);
  CHECK(m.counts.kept == expected_kept);
  CHECK(m.counts.read == m.counts.kept + m.counts.rejected.total());
}

// A mirror directory holding copies of some real files, for tests that change or cut them.
path make_mirror(const qd::test::ScratchDir& dir, const path& shared,
                 std::initializer_list<const char*> names) {
  const path mirror = dir / "mirror";
  qd::test::fs::create_directories(mirror);
  for (const char* name : names) {
    qd::test::fs::copy_file(shared / "simplified" / (std::string(name) + ".ndjson"),
                            mirror / (std::string(name) + ".ndjson"));
  }
  return mirror;
}

}  // namespace

TEST_CASE("qd_prepare counts every kind of bad record exactly, and writes loadable shards") {
  qd::test::ScratchDir dir("prepare_mixed");
  const path mirror = dir / "mirror";
  qd::test::fs::create_directories(mirror);
  // The fixture's last line is cut off: as a whole it is a cut source, refused.
  qd::test::fs::copy_file(qd::test::fixtures() / "prepare_mixed.ndjson", mirror / "cat.ndjson");
  const std::string command =
      "--categories cat --source " + quoted(mirror) + " --out " + quoted(dir / "data");
  const auto cut = run_command(qd_prepare(command));
  CHECK(cut.exit_code == 3);
  CHECK(cut.output.find("the file is cut off") != std::string::npos);
  CHECK_FALSE(qd::test::fs::exists(dir / "data" / "cat"));
  // Without that line every other kind of record is counted.
  std::string text = qd::test::read_file(qd::test::fixtures() / "prepare_mixed.ndjson");
  text.resize(text.find_last_of('\n') + 1);
  qd::test::write_file(mirror / "cat.ndjson", text);
  const auto r = run_command(qd_prepare(command));
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  const qd::Manifest m = qd::read_manifest((dir / "data" / "cat" / "manifest.json").string());
  CHECK(m.counts.read == 14);
  CHECK(m.counts.kept == 3);
  CHECK(m.counts.rejected[qd::RejectReason::kUnrecognized] == 2);
  CHECK(m.counts.rejected[qd::RejectReason::kMalformed] == 6);
  CHECK(m.counts.rejected[qd::RejectReason::kTruncated] == 2);
  CHECK(m.counts.rejected[qd::RejectReason::kDuplicate] == 1);
  CHECK(r.output.find("cat.ndjson:4: malformed: not_json") != std::string::npos);
  CHECK(r.output.find("cat.ndjson:7: key_id 105: malformed: coordinate_out_of_range") !=
        std::string::npos);
  CHECK(r.output.find("3 more malformed or truncated records not shown") != std::string::npos);
  check_category(dir / "data" / "cat", 3);
  CHECK(numpy_says("a = np.load('" + (dir / "data/cat/train-00000.npy").string() +
                   "', mmap_mode='r'); k = np.load('" +
                   (dir / "data/cat/train-00000.keys.npy").string() +
                   "'); print(a.dtype, a.shape[1:], k.dtype, len(k) == len(a))") ==
        "uint8 (28, 28) uint64 True");
}

TEST_CASE("usage errors exit 2 and suggest, --help exits 0") {
  const auto unknown = run_command(qd_prepare("--categories catt --out /tmp/qd-unused"));
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.output.find("'cat'") != std::string::npos);
  CHECK(run_command(qd_prepare("")).exit_code == 2);
  CHECK(run_command(qd_prepare("--categories cat --val-fraction 2")).exit_code == 2);
  CHECK(run_command(qd_prepare("--categories cat --bogus")).exit_code == 2);
  const auto help = run_command(qd_prepare("--help"));
  CHECK(help.exit_code == 0);
  CHECK(help.output.find("--keep-unrecognized") != std::string::npos);
  CHECK(help.output.find("Exit codes") != std::string::npos);
  // Each option's range, as visit_prepare_settings declares it.
  CHECK(help.output.find("stroke width, in the 256-unit drawing space (0.1..64)") !=
        std::string::npos);
  CHECK(help.output.find("too_large (1024..1073741824)") != std::string::npos);
  CHECK(help.output.find("worker threads (0: all cores) (0..1024)") != std::string::npos);
}

TEST_CASE("cat and dog from ../shared: Google's exact images, manifest counts match the input") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("prepare_catdog");
  const path out = dir / "data";
  const auto r =
      run_command(qd_prepare("--categories cat,dog --source " + quoted(shared / "simplified") +
                             " --out " + quoted(out) + " --val-fraction 0.2"));
  REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  for (const char* category : {"cat", "dog"}) {
    const auto counts =
        numpy_says("import json; ls = [json.loads(l) for l in open('" +
                   (shared / "simplified" / (std::string(category) + ".ndjson")).string() +
                   "')]; print(len(ls), sum(1 for d in ls if d['recognized']))");
    const auto space = counts.find(' ');
    const uint64_t recognized = std::stoull(counts.substr(space + 1));
    check_category(out / category, recognized);
    const qd::Manifest m = qd::read_manifest((out / category / "manifest.json").string());
    CHECK(m.counts.read == std::stoull(counts.substr(0, space)));
    CHECK(m.counts.rejected[qd::RejectReason::kUnrecognized] == m.counts.read - recognized);
  }
  // Each kept cat is byte-identical to Google's rendering: line i of cat.ndjson is row i.
  const std::string check =
      "import json; lines = [json.loads(l) for l in open('" +
      (shared / "simplified/cat.ndjson").string() +
      "')]; row = {int(d['key_id']): i for i, d in enumerate(lines)}; g = np.load('" +
      (shared / "numpy_bitmap/cat.npy").string() +
      "').reshape(-1, 28, 28); n = 0\nfor s in ('train', 'val'):\n a = np.load('" +
      (out / "cat").string() + "/' + s + '-00000.npy'); k = np.load('" + (out / "cat").string() +
      "/' + s + '-00000.keys.npy')\n for img, key in zip(a, k):\n  assert (img == "
      "g[row[int(key)]]).all(), key\n  n += 1\nprint(n)";
  CHECK(std::stoi(numpy_says(check)) > 15);
}

TEST_CASE("gzipped sources give the same shards, and a rerun with nothing changed does no work") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("prepare_gzip_rerun");
  const path mirror = make_mirror(dir, shared, {"eye"});
  REQUIRE(run_command("gzip -c " + quoted(shared / "simplified/fish.ndjson") + " > " +
                      quoted(mirror / "fish.ndjson.gz"))
              .exit_code == 0);
  const std::string args =
      "--categories eye,fish --source " + quoted(mirror) + " --out " + quoted(dir / "data");
  const auto first = run_command(qd_prepare(args));
  REQUIRE_MESSAGE(first.exit_code == 0, first.output);
  const auto plain =
      run_command(qd_prepare("--categories fish --source " + quoted(shared / "simplified") +
                             " --out " + quoted(dir / "plain")));
  REQUIRE(plain.exit_code == 0);
  CHECK(qd::test::read_file(dir / "data/fish/train-00000.npy") ==
        qd::test::read_file(dir / "plain/fish/train-00000.npy"));

  const auto before = qd::test::read_file(dir / "data/eye/manifest.json");
  const auto again = run_command(qd_prepare(args));
  CHECK(again.exit_code == 0);
  CHECK(again.output.find("eye: up to date") != std::string::npos);
  CHECK(again.output.find("fish: up to date") != std::string::npos);
  CHECK(qd::test::read_file(dir / "data/eye/manifest.json") == before);  // not rewritten

  // A changed option or a touched source rebuilds.
  const auto wider = run_command(qd_prepare(args + " --val-fraction 0.5"));
  CHECK(wider.output.find("up to date") == std::string::npos);
  CHECK(qd::read_manifest((dir / "data/eye/manifest.json").string()).settings.val_fraction == 0.5);
}

TEST_CASE("a missing source fails that category only (exit 3), the others are written") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("prepare_missing");
  const path mirror = make_mirror(dir, shared, {"cat"});
  const auto r = run_command(qd_prepare("--categories cat,dog --source " + quoted(mirror) +
                                        " --out " + quoted(dir / "data")));
  CHECK(r.exit_code == 3);
  CHECK(r.output.find("dog: FAILED") != std::string::npos);
  CHECK(r.output.find("dog.ndjson") != std::string::npos);
  CHECK(qd::test::fs::exists(dir / "data/cat/manifest.json"));
  CHECK_FALSE(qd::test::fs::exists(dir / "data/dog"));
}

namespace {

bool any_staging(const path& out) {
  for (const auto& e : qd::test::fs::directory_iterator(out)) {
    if (e.path().filename().string().find(".partial-") != std::string::npos) return true;
  }
  return false;
}

// A big real input (the simplified set repeated 6 times: 51,600 drawings, gzipped) copied to
// `file`; made once per test run.
void make_big_input(const path& shared, const path& file) {
  static const path made = path(QD_BINARY_DIR) / "scratch" / "big-input-6.ndjson.gz";
  if (!qd::test::fs::exists(made)) {
    // CTest runs suites in parallel: each makes its own copy and renames it into place, so none
    // ever copies another's half-written file.
    qd::test::fs::create_directories(made.parent_path());
    const path partial = made.string() + ".partial-" + std::to_string(::getpid());
    const auto r = run_command(std::string(QD_PYTHON) + " " +
                               quoted(path(QD_SOURCE_DIR) / "bench/python/make_input.py") + " " +
                               quoted(shared / "simplified") + " 6 " + quoted(partial));
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
    qd::test::fs::rename(partial, made);
  }
  qd::test::fs::copy_file(made, file, qd::test::fs::copy_options::overwrite_existing);
}

}  // namespace

TEST_CASE("kill -9 at any moment leaves the previous dataset intact and readable") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("prepare_kill");
  const path mirror = make_mirror(dir, shared, {"cat"});
  const path out = dir / "data";
  const std::string args = "--categories cat --source " + quoted(mirror) + " --out " + quoted(out);
  REQUIRE(run_command(qd_prepare(args)).exit_code == 0);
  const std::string good_manifest = qd::test::read_file(out / "cat/manifest.json");
  const uint64_t good_kept = qd::read_manifest((out / "cat/manifest.json").string()).counts.kept;

  // The upstream file grows to tens of thousands of drawings; each run below is killed midway.
  qd::test::fs::remove(mirror / "cat.ndjson");
  make_big_input(shared, mirror / "cat.ndjson.gz");
  // One thread reads the 51,600 drawings in about 3 s here, so every kill lands mid-run.
  for (const int delay_ms : {50, 400, 900, 1500}) {
    const pid_t pid = spawn(qd_prepare(args + " --threads 1"));
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    ::kill(pid, SIGKILL);
    wait_exit_code(pid);
    CAPTURE(delay_ms);
    if (delay_ms >= 400) CHECK(any_staging(out));  // the kill did land while writing
    CHECK(qd::test::read_file(out / "cat/manifest.json") == good_manifest);
    check_category(out / "cat", good_kept);
  }
  // The next run cleans up what the killed ones left and completes.
  const auto r = run_command(qd_prepare(args + " --quiet"));
  CHECK_MESSAGE(r.exit_code == 0, r.output);
  CHECK_FALSE(any_staging(out));
  check_category(out / "cat", 6 * (8600 - 680));
  CHECK(qd::read_manifest((out / "cat/manifest.json").string()).counts.read == 6 * 8600);
}

TEST_CASE("SIGTERM stops cleanly with exit 130 and the previous output unchanged") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("prepare_sigterm");
  const path mirror = dir / "mirror";
  qd::test::fs::create_directories(mirror);
  make_big_input(shared, mirror / "cat.ndjson.gz");
  const pid_t pid = spawn(qd_prepare("--categories cat --source " + quoted(mirror) + " --out " +
                                     quoted(dir / "data") + " --threads 1"));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ::kill(pid, SIGTERM);
  CHECK(wait_exit_code(pid) == 130);
  CHECK_FALSE(qd::test::fs::exists(dir / "data/cat"));
  CHECK_FALSE(any_staging(dir / "data"));
}

TEST_CASE("a second run on the same output exits 4 while the first holds the lock") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("prepare_lock");
  const path mirror = dir / "mirror";
  qd::test::fs::create_directories(mirror);
  make_big_input(shared, mirror / "cat.ndjson.gz");
  const std::string args = "--categories cat --source " + quoted(mirror) + " --out " +
                           quoted(dir / "data") + " --threads 1";
  const pid_t first = spawn(qd_prepare(args));
  // The first run holds the lock once its pid is in the lock file. Waiting for that rather than
  // a fixed time: a sanitizer build on a busy machine takes longer than 300 ms to get there.
  const path lock = dir / "data" / ".locks" / "cat.lock";
  const std::string holder = std::to_string(first) + "\n";
  for (int i = 0; i < 600; ++i) {
    if (qd::test::fs::exists(lock) && qd::test::read_file(lock) == holder) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto second = run_command(qd_prepare(args));
  CHECK(second.exit_code == 4);
  CHECK(second.output.find("being written by another qd_prepare (pid " + std::to_string(first) +
                           ")") != std::string::npos);
  CHECK(wait_exit_code(first) == 0);
}

TEST_CASE("a job array: six processes on slices of twelve categories, one --out, one's bytes") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("prepare_array");
  const std::string categories =
      "cat,dog,apple,fish,eye,diamond,bicycle,airplane,ant,anvil,axe,banana";
  const std::string common = "--quiet --threads 1 --categories " + categories + " --source " +
                             quoted(shared / "simplified") + " --out ";
  std::vector<pid_t> tasks;
  for (int i = 0; i < 6; ++i) {
    tasks.push_back(
        spawn(qd_prepare(common + quoted(dir / "array") + " --task " + std::to_string(i) + "/6")));
  }
  for (const pid_t task : tasks) CHECK(wait_exit_code(task) == 0);
  const auto one = run_command(qd_prepare(common + quoted(dir / "one")));
  REQUIRE_MESSAGE(one.exit_code == 0, one.output);
  std::stringstream names(categories);
  for (std::string category; std::getline(names, category, ',');) {
    const qd::Manifest a = qd::read_manifest((dir / "array" / category / "manifest.json").string());
    const qd::Manifest b = qd::read_manifest((dir / "one" / category / "manifest.json").string());
    CHECK(a.counts.kept > 0);
    REQUIRE(a.shards.size() == b.shards.size());
    for (size_t s = 0; s < a.shards.size(); ++s) {
      CHECK(qd::test::read_file(dir / "array" / category / a.shards[s].file) ==
            qd::test::read_file(dir / "one" / category / b.shards[s].file));
      CHECK(a.shards[s].crc32 == b.shards[s].crc32);
      CHECK(a.shards[s].keys_crc32 == b.shards[s].keys_crc32);
    }
  }
  // Run again, as cron would: every category up to date.
  const auto again = run_command(qd_prepare(common + quoted(dir / "array") + " --task 3/6"));
  CHECK(again.exit_code == 0);
  CHECK(run_command(qd_prepare(common + quoted(dir / "array") + " --task 6/6")).exit_code == 2);
}

TEST_CASE("a category another process is writing is skipped with exit 4, the others are done") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("prepare_busy");
  qd::test::fs::create_directories(dir / "data" / ".locks");
  const path lock = dir / "data" / ".locks" / "cat.lock";
  qd::test::write_file(lock, "4242\n");
  // -o: the lock is flock's own, not inherited by sleep, so killing flock releases it.
  const pid_t holder = spawn("flock -o " + quoted(lock) + " sleep 20");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  const auto r =
      run_command(qd_prepare("--categories cat,dog --threads 1 --source " +
                             quoted(shared / "simplified") + " --out " + quoted(dir / "data")));
  CHECK(r.exit_code == 4);
  CHECK_MESSAGE(r.output.find("cat: skipped: being written by another qd_prepare (pid 4242)") !=
                    std::string::npos,
                r.output);
  CHECK_FALSE(qd::test::fs::exists(dir / "data" / "cat"));
  CHECK(qd::test::fs::exists(dir / "data" / "dog" / "manifest.json"));
  ::kill(holder, SIGTERM);
  wait_exit_code(holder);
  // Once the other has finished, the category is written.
  const auto later =
      run_command(qd_prepare("--categories cat,dog --threads 1 --source " +
                             quoted(shared / "simplified") + " --out " + quoted(dir / "data")));
  CHECK(later.exit_code == 0);
  CHECK(qd::test::fs::exists(dir / "data" / "cat" / "manifest.json"));
}

TEST_CASE("shards are byte-identical whatever --threads") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("prepare_threads");
  const path mirror = make_mirror(dir, shared, {"monkey"});
  qd::test::fs::copy_file(shared / "simplified-1000/monkey.ndjson", mirror / "monkey.ndjson",
                          qd::test::fs::copy_options::overwrite_existing);
  for (const char* threads : {"1", "2"}) {
    const auto r = run_command(qd_prepare("--categories monkey --quiet --shard-size 300 --source " +
                                          quoted(mirror) + " --threads " + threads + " --out " +
                                          quoted(dir / (std::string("t") + threads))));
    REQUIRE_MESSAGE(r.exit_code == 0, r.output);
  }
  const qd::Manifest a = qd::read_manifest((dir / "t1/monkey/manifest.json").string());
  const qd::Manifest b = qd::read_manifest((dir / "t2/monkey/manifest.json").string());
  CHECK(a.counts.kept == 1000 - 174);
  REQUIRE(a.shards.size() == b.shards.size());
  CHECK(a.shards.size() > 3);
  for (size_t i = 0; i < a.shards.size(); ++i) CHECK(a.shards[i].crc32 == b.shards[i].crc32);
}

TEST_CASE("over HTTP: a mirror on 127.0.0.1, then a rerun that the server answers with 304") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("prepare_http");
  const path mirror = make_mirror(dir, shared, {"cat", "The Eiffel Tower"});
  REQUIRE(run_command("gzip -c " + quoted(shared / "simplified/dog.ndjson") + " > " +
                      quoted(mirror / "dog.ndjson"))
              .exit_code == 0);  // gzipped content under the plain name, as a bucket may serve it
  const qd::test::HttpTestServer server(mirror);
  const std::string args = "--categories 'cat,dog,The Eiffel Tower' --source " + server.url("") +
                           " --out " + quoted(dir / "data");
  const auto first = run_command(qd_prepare(args));
  REQUIRE_MESSAGE(first.exit_code == 0, first.output);
  CHECK(first.output.find("The%20Eiffel%20Tower.ndjson") != std::string::npos);
  const auto local =
      run_command(qd_prepare("--categories 'cat,dog,The Eiffel Tower' --source " +
                             quoted(shared / "simplified") + " --out " + quoted(dir / "local")));
  REQUIRE(local.exit_code == 0);
  for (const char* c : {"cat", "dog", "The Eiffel Tower"}) {
    const qd::Manifest over_http = qd::read_manifest((dir / "data" / c / "manifest.json").string());
    const qd::Manifest from_disk =
        qd::read_manifest((dir / "local" / c / "manifest.json").string());
    CHECK(over_http.source.location.rfind("http://127.0.0.1:", 0) == 0);
    CHECK_FALSE(over_http.source.etag.empty());
    CHECK(over_http.counts.kept == from_disk.counts.kept);
    CHECK(over_http.shards[0].crc32 == from_disk.shards[0].crc32);
  }
  const auto again = run_command(qd_prepare(args));
  CHECK(again.exit_code == 0);
  for (const char* c : {"cat: up to date", "dog: up to date", "The Eiffel Tower: up to date"}) {
    CHECK_MESSAGE(again.output.find(c) != std::string::npos, again.output);
  }

  // The mirror changes: the next run fetches it again.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  qd::test::fs::copy_file(shared / "simplified/fish.ndjson", mirror / "cat.ndjson",
                          qd::test::fs::copy_options::overwrite_existing);
  const auto changed = run_command(qd_prepare(args));
  CHECK(changed.exit_code == 0);
  CHECK(changed.output.find("cat: up to date") == std::string::npos);
  CHECK(changed.output.find("dog: up to date") != std::string::npos);
}

TEST_CASE("over HTTP: a 404 or a cut transfer fails the category and keeps its previous output") {
  QD_REQUIRE_SHARED(shared);
  qd::test::ScratchDir dir("prepare_http_errors");
  const path mirror = make_mirror(dir, shared, {"cat"});
  const qd::test::HttpTestServer server(mirror);
  const path out = dir / "data";
  REQUIRE(run_command(
              qd_prepare("--categories cat --source " + server.url("") + " --out " + quoted(out)))
              .exit_code == 0);
  const std::string good = qd::test::read_file(out / "cat/manifest.json");

  const auto missing = run_command(
      qd_prepare("--categories cat,dog --source " + server.url("") + " --out " + quoted(out)));
  CHECK(missing.exit_code == 3);
  CHECK(missing.output.find("404") != std::string::npos);
  // /cut/ serves half the body under the full Content-Length: a transfer cut short.
  const auto cut = run_command(qd_prepare("--categories cat --force --source " + server.url("cut") +
                                          " --out " + quoted(out)));
  CHECK(cut.exit_code == 3);
  CHECK(cut.output.find("cat: FAILED") != std::string::npos);
  CHECK(qd::test::read_file(out / "cat/manifest.json") == good);
}
