#!/usr/bin/env bash
# The command line as a user meets it: exit codes, compiler-style messages,
# JSON that parses. $1: the netsim binary. Run from the project root.
set -u
netsim=$1
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# every invalid file: exit 1 and its FILE:LINE:COL message (first line: "# expect: L:C: error: text")
for f in tests/data/invalid/*.yaml; do
	want=$(head -1 "$f" | sed -n 's/^# expect: \([0-9]*:[0-9]*: [a-z]*: \)\(.*\)$/\1\2/p')
	pos=${want%%: *}
	out=$("$netsim" validate "$f" 2>&1)
	rc=$?
	[ "$rc" -eq 1 ] || { bad "$f: exit $rc, want 1"; continue; }
	case "$out" in
	*"$f:$pos: error: "*) ok ;;
	*) bad "$f: no '$f:$pos: error:' in: $out" ;;
	esac
done

# the examples: exit 0, in one call
"$netsim" validate topologies/*.yaml >/dev/null 2>&1 && ok || bad "topologies do not validate"
# warnings alone do not fail
for f in tests/data/warnings/*.yaml; do
	"$netsim" validate "$f" >/dev/null 2>&1 && ok || bad "$f: a warning must not fail"
done
# --json: a list that parses, with positions
"$netsim" validate --json tests/data/invalid/subnet-outside-vpc.yaml 2>/dev/null |
	python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[0]["line"] > 0 and d[0]["severity"] == "error", d' &&
	ok || bad "validate --json"
# usage errors: exit 2
"$netsim" >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "no command: want exit 2"
"$netsim" frobnicate >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "unknown command: want exit 2"
"$netsim" validate >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "validate without a file: want exit 2"
"$netsim" validate --bogus x >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "unknown option: want exit 2"
"$netsim" trace topologies/serverless-backend.yaml fn db 3306 >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "trace with a bad port: want 2"
# help and version
"$netsim" --help | grep -q "^Usage: netsim" && ok || bad "--help"
"$netsim" help validate | grep -q "FILE:LINE:COL" && ok || bad "help validate"
"$netsim" validate --help | grep -q "Usage: netsim validate" && ok || bad "validate --help"
"$netsim" --version | grep -q "^netsim [0-9]" && ok || bad "--version"
# a missing file: exit 1, named
out=$("$netsim" validate /nonexistent.yaml 2>&1); [ $? -eq 1 ] && [[ $out == */nonexistent.yaml:*"No such file"* ]] && ok || bad "missing file: $out"
# standard input
"$netsim" validate - <topologies/minimal.yaml >/dev/null 2>&1 && ok || bad "validate -"
# plan and analyze need no root and touch nothing
"$netsim" plan topologies/serverless-backend.yaml | grep -q "snat to 10.0.1.4" && ok || bad "plan"
"$netsim" plan --json topologies/serverless-backend.yaml | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["operations"]) > 50' &&
	ok || bad "plan --json"
"$netsim" analyze topologies/serverless-backend.yaml >/dev/null && ok || bad "analyze: the example should hold"
"$netsim" trace topologies/serverless-backend.yaml fn db 3306/tcp | grep -q "db-sg" && ok || bad "trace names db-sg"
"$netsim" trace topologies/serverless-backend.yaml fn 192.0.2.7 icmp | grep -q "BLACKHOLE_ROUTE" && ok || bad "trace names the blackhole"
# not root: exit 3 with a clear message (only checkable as root, by dropping privileges)
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$netsim" up topologies/minimal.yaml 2>&1)
	rc=$?
	[ $rc -eq 3 ] && [[ $out == *"needs root"* ]] && ok || bad "non-root up: exit $rc: $out"
fi

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
