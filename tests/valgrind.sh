#!/usr/bin/env bash
# `make test-valgrind`'s two halves.
#
#   valgrind.sh LOGDIR PROGRAM [ARG...]   runs PROGRAM under memcheck, and every
#                                         framer it starts too, one log per process
#   valgrind.sh --check LOGDIR            fails when a log of one of our programs
#                                         shows an error or a leak
#
# ctest runs each test through the first form (CMake's emulator hook prefixes
# every test command). The shell is traced, so the framer it starts is too;
# the utilities the tests call are not: their leaks are not ours, and perl
# (GNU parallel) under valgrind would take minutes.
set -euo pipefail

if [ "${1:-}" = "--check" ]; then
	logdir=$2
	build=$(cd "$logdir/.." && pwd)
	bad=0 checked=0
	for log in "$logdir"/*.log; do
		[ -e "$log" ] || continue
		# Only our own programs: the tests and framer, all under the build folder.
		grep -q "^==[0-9]*== Command: $build/" "$log" || continue
		checked=$((checked + 1))
		if grep -q "ERROR SUMMARY: [1-9]" "$log"; then
			echo "valgrind: $log: $(grep -m1 'Command:' "$log" | sed 's/^==[0-9]*== //')"
			grep -E "ERROR SUMMARY|definitely lost|indirectly lost|Invalid|uninitialised" "$log" | head -5
			bad=$((bad + 1))
		fi
	done
	echo "valgrind: $checked process logs checked, $bad with errors or leaks"
	[ "$checked" -gt 0 ] && [ "$bad" -eq 0 ]
	exit
fi

logdir=$1
shift
skip='*/env,*/cmp,*/diff,*/cp,*/mv,*/rm,*/cat,*/grep,*/sed,*/ls,*/wc,*/head,*/tail'
skip="$skip,*/mkdir,*/chmod,*/truncate,*/dd,*/printf,*/test,*/perl,*/parallel,*/setpriv,*/timeout,*/python3*"
exec valgrind --error-exitcode=99 --leak-check=full \
	--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
	--trace-children=yes --trace-children-skip="$skip" --child-silent-after-fork=yes \
	--log-file="$logdir/%p.log" "$@"
