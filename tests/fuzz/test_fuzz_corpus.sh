#!/bin/sh
# test_fuzz_corpus — fast regression check of the fuzz targets: builds every
# tests/fuzz/fuzz_*.c with clang libFuzzer + ASan/UBSan (make fuzz-build) and
# replays each committed corpus once (-runs=0: seeds and past crash inputs,
# no new inputs).  Skips (exit 0, with the reason) when clang or libFuzzer
# is not available.  Long runs: make fuzz FUZZ_SECONDS=N.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
unset MAKEFLAGS MFLAGS MAKELEVEL

if ! command -v clang >/dev/null 2>&1; then
  echo "SKIP: clang not installed (apt-get install clang)"; exit 0
fi
probe=$(mktemp -d "${TMPDIR:-/tmp}/mmd-fuzz-probe.XXXXXX") || exit 1
trap 'rm -rf "$probe"' EXIT
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }\n' >"$probe/p.c"
if ! clang -fsanitize=fuzzer,address,undefined "$probe/p.c" -o "$probe/p" >"$probe/log" 2>&1; then
  echo "SKIP: clang cannot link libFuzzer (install libclang-rt-14-dev):"; head -n 3 "$probe/log"; exit 0
fi

make -j2 BUILD="$BUILD" fuzz-build || { echo "FAIL: fuzz targets do not build"; exit 1; }
fail=0
for src in tests/fuzz/fuzz_*.c; do
  name=$(basename "$src" .c); name=${name#fuzz_}
  dir=tests/fuzz/corpus/$name
  [ -d "$dir" ] || { echo "FAIL: $name has no corpus ($dir)"; fail=1; continue; }
  log="$probe/$name.log"
  if "$BUILD/fuzz/fuzz_$name" -runs=0 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$probe/" "$dir" >"$log" 2>&1; then
    echo "ok   $name: $(ls "$dir" | wc -l) corpus inputs replayed"
  else
    fail=1; echo "FAIL $name:"; grep -E 'ERROR|SUMMARY|invariant|runtime error|Running:' "$log" | tail -n 8
  fi
done
exit $fail
