#!/bin/sh
# Builds the libFuzzer targets into build-fuzz/ (clang-14, FR_FUZZ=ON) and
# runs each for SECONDS (default 60), one after the other, one process each.
#   tests/fuzz/run.sh [SECONDS] [TARGET...]      (make fuzz SECONDS=N)
# Each target's working corpus is build-fuzz/corpus/<target>, read together
# with its committed seeds in tests/fixtures/fuzz/<target>/ (which libFuzzer
# never writes to). Crashes go to build-fuzz/artifacts/<target>/, the log to
# build-fuzz/logs/<target>.log. Exits 1 when any target crashed.
set -eu

cd "$(dirname "$0")/../.."
secs=${1:-60}
[ $# -gt 0 ] && shift
# Default: every target there is (tests/fuzz/fuzz_<target>.c).
targets=${*:-$(for f in tests/fuzz/fuzz_*.c; do f=${f#tests/fuzz/fuzz_}; echo "${f%.c}"; done)}
case $secs in
	''|*[!0-9]*) echo "run.sh: SECONDS must be a whole number, not '$secs'" >&2; exit 2 ;;
esac

build=build-fuzz
cc=${FUZZ_CC:-clang-14}
command -v "$cc" >/dev/null || { echo "run.sh: $cc not found (make fuzz installs it)" >&2; exit 2; }
# Warnings are the gcc build's job; clang's own must not stop a fuzz run.
if [ ! -f "$build/CMakeCache.txt" ]; then
	CC=$cc cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFR_FUZZ=ON \
		-DFR_BUILD_TESTS=OFF -DFR_ENABLE_WERROR=OFF >/dev/null
fi
for t in $targets; do
	cmake --build "$build" -j 2 --target "fuzz_$t"
done

# Inputs larger than this teach nothing the small ones do not, and slow
# every execution; a bundle needs room for model.json and its classifiers.
max_len() {
	case $1 in
		model | vocab_image) echo 65536 ;;
		tokenize_stem | jsonl_record) echo 4096 ;;
		*) echo 16384 ;;
	esac
}

status=0
summary=""
for t in $targets; do
	corpus=$build/corpus/$t
	artifacts=$build/artifacts/$t
	log=$build/logs/$t.log
	mkdir -p "$corpus" "$artifacts" "$build/logs"
	dict=""
	[ -f "tests/fuzz/$t.dict" ] && dict="-dict=tests/fuzz/$t.dict"
	echo "== fuzz_$t for ${secs}s (log: $log)"
	rc=0
	UBSAN_OPTIONS=print_stacktrace=1 "$build/tests/fuzz/fuzz_$t" \
		-max_total_time="$secs" -max_len="$(max_len "$t")" -rss_limit_mb=2048 \
		-timeout=20 -print_final_stats=1 -artifact_prefix="$artifacts/" $dict \
		"$corpus" "tests/fixtures/fuzz/$t" >"$log" 2>&1 || rc=$?
	# The last status line ("#N NEW cov: C ft: F corp: U/B ...") and the final stats.
	cov=$(grep -E '^#[0-9]+.* cov: ' "$log" | tail -n 1 | sed -n 's/.*\(cov: [0-9]* ft: [0-9]* corp: [0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p')
	took=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	if [ "$rc" -ne 0 ]; then
		status=1
		echo "   CRASH (exit $rc): see $log and $artifacts/"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*invariant failed|artifact_prefix|Test unit written)' "$log" | head -n 8 | sed 's/^/   /'
	fi
	line="$t: exit $rc, ${took:-?} s, ${execs:-?} executions, ${rate:-?} exec/s, ${cov:-no coverage line}"
	echo "   $line"
	summary="$summary
$line"
done
echo "== summary$summary"
exit $status
