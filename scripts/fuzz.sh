#!/usr/bin/env bash
# Builds the fuzz targets (preset "fuzz", clang with ASan and UBSan), makes their seed corpora from
# ../shared/quickdraw and the tests' fixtures, and runs each target in turn, one process at a time.
#   scripts/fuzz.sh [--time S | --runs N] [--build-dir DIR] [--no-build] [TARGET...]
#     --time S       run each target for S seconds (default 60)
#     --runs N       run each target for N executions instead
#     --build-dir D  where the fuzz targets are (default build-fuzz; CTest passes build-asan)
#     --no-build     do not configure or build
# Inputs a target finds go to DIR/fuzz-work/<target>/corpus; an input that breaks it, to
# DIR/fuzz-work/<target>/crash-* (docs/fuzzing.md says how to turn one into a test). Exits non-zero
# if any target fails. Each target's last lines (executions, cov, ft) are printed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

all_targets=(drawing_parser_fuzzer gzip_lines_fuzzer binary_format_fuzzer npy_fuzzer
             manifest_fuzzer image_inputs_fuzzer run_config_fuzzer sketch_classifier_fuzzer)
limit=(-max_total_time=60)
build_dir=build-fuzz
build=1
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --time) limit=(-max_total_time="$2"); shift ;;
    --runs) limit=(-runs="$2"); shift ;;
    --build-dir) build_dir="$2"; shift ;;
    --no-build) build=0 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1") ;;
  esac
  shift
done
if [ "${#targets[@]}" = 0 ]; then targets=("${all_targets[@]}"); fi

if [ "$build" = 1 ]; then
  [ -f "$build_dir/build.ninja" ] || cmake --preset fuzz -B "$build_dir"
  nice -n 10 cmake --build "$build_dir" --target "${targets[@]}"
fi

# The sanitizers' settings (as the asan test preset's): a report stops the run, suppressions only
# for reports inside dependencies (fuzz/sanitizers/*.supp say why).
sanitizers="$PWD/fuzz/sanitizers"
# Short allocation stacks: readers allocate per input, and reproducing a crash input gives the
# whole stack again.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:malloc_context_size=4:suppressions=$sanitizers/asan.supp}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:suppressions=$sanitizers/ubsan.supp}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$sanitizers/lsan.supp}"

dictionary() {
  case "$1" in
    drawing_parser_fuzzer|gzip_lines_fuzzer) echo ndjson ;;
    binary_format_fuzzer) echo binary ;;
    npy_fuzzer) echo npy ;;
    manifest_fuzzer) echo manifest ;;
    run_config_fuzzer) echo run_config ;;
    sketch_classifier_fuzzer) echo sketch_classifier ;;
    image_inputs_fuzzer) echo images ;;
  esac
}

# The longest input each target is given: real ndjson lines reach 10 kB, a model with its weights
# and class names 6 kB; the others' seeds are under 4 kB, and shorter inputs run faster.
max_len() {
  case "$1" in
    gzip_lines_fuzzer|npy_fuzzer|binary_format_fuzzer) echo 4096 ;;
    manifest_fuzzer) echo 8192 ;;
    *) echo 16384 ;;
  esac
}

work="$build_dir/fuzz-work"
"${QD_PYTHON:-/usr/bin/python3}" scripts/fuzz_corpus.py "$work/seeds" "${targets[@]}" >/dev/null
failed=()
for target in "${targets[@]}"; do
  exe="$build_dir/fuzz/$target"
  if [ ! -x "$exe" ]; then
    echo "fuzz.sh: $exe is not built" >&2
    failed+=("$target")
    continue
  fi
  mkdir -p "$work/$target/corpus"
  log="$work/$target/log.txt"
  echo "== $target: ${limit[*]} (log: $log)"
  # New inputs go to the first folder; the seeds stay as they were made.
  if nice -n 10 "$exe" "${limit[@]}" -max_len="$(max_len "$target")" -timeout=20 -rss_limit_mb=4096 \
      -print_final_stats=1 -dict="fuzz/dictionaries/$(dictionary "$target").dict" \
      -artifact_prefix="$work/$target/" "$work/$target/corpus" "$work/seeds/$target" \
      >"$log" 2>&1; then
    grep -E '^#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss' "$log" || true
  else
    echo "fuzz.sh: $target FAILED; the end of its log:" >&2
    tail -n 40 "$log" >&2
    failed+=("$target")
  fi
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz.sh: failed: ${failed[*]}" >&2
  exit 1
fi
