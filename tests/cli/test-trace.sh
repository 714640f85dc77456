#!/usr/bin/env bash
# trace's early exits free only what they made: an unknown FROM or TO, a bad
# port, under valgrind when it is there (an ASan build checks itself).
# $1: the netsim binary. Run from the project root.
set -u
netsim=$1
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

run=("$netsim")
if command -v valgrind >/dev/null && ! nm "$netsim" 2>/dev/null | grep -q __asan_init; then
	run=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite "$netsim")
fi

topo=topologies/serverless-backend.yaml
check() { # want_rc want_text args...
	local want_rc=$1 want=$2
	shift 2
	local out rc
	out=$("${run[@]}" "$@" 2>&1)
	rc=$?
	if [ "$rc" -eq "$want_rc" ] && [[ $out == *"$want"* ]]; then ok; else bad "netsim $*: exit $rc (want $want_rc): $out"; fi
}
check 2 "FROM 'nosuch' is not a host" trace "$topo" nosuch db 3306/tcp
check 2 "TO 'nosuch' is not a host" trace "$topo" fn nosuch 3306/tcp
check 2 "is not a port" trace "$topo" fn db 3306
check 1 "is neither a file nor a running topology" trace nosuch-instance fn db 3306/tcp
check 1 "SG_INGRESS_NO_RULE" trace "$topo" fn db 3306/tcp
check 0 "\"verdict\": \"reachable\"" trace --json "$topo" fn proxy 3306/tcp
check 1 "predicted to fail" analyze tests/data/check/refused.yaml

echo "trace: $pass passed, $fail failed (${run[0]})"
[ "$fail" -eq 0 ]
