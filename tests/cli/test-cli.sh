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
# the lints: a warning and its fix; --strict makes them errors wherever a topology is validated
f=tests/data/lint/acl-shadowed-rule.yaml
out=$("$netsim" validate "$f" 2>&1); rc=$?
[ $rc -eq 0 ] && [[ $out == *"$f:15:21: warning: network ACL 'data' ingress rule 200 can never match"* ]] &&
	[[ $out == *"$f:15:21: note: fix: to make rule 200 decide first, give it a number below 100 (e.g. 99)"* ]] &&
	ok || bad "lint: exit $rc: $out"
out=$("$netsim" validate --strict "$f" 2>&1); rc=$?
[ $rc -eq 1 ] && [[ $out == *"$f:15:21: error: network ACL 'data' ingress rule 200 can never match"* ]] &&
	[[ $out == *"--strict: the warnings above are errors"* ]] && ok || bad "validate --strict: exit $rc: $out"
for cmd in plan analyze; do
	"$netsim" $cmd "$f" --strict >/dev/null 2>&1; rc=$?
	[ $rc -eq 1 ] && ok || bad "$cmd --strict on a lint: exit $rc, want 1"
	"$netsim" $cmd "$f" >/dev/null 2>&1; rc=$?
	[ $rc -eq 0 ] && ok || bad "$cmd without --strict on a lint: exit $rc, want 0"
done
"$netsim" trace "$f" app1 db 3306/tcp --strict >/dev/null 2>&1; rc=$?
[ $rc -eq 1 ] && ok || bad "trace --strict on a lint: exit $rc, want 1"
"$netsim" validate --strict topologies/*.yaml >/dev/null 2>&1 && ok || bad "the examples have a lint (validate --strict)"
"$netsim" help analyze | grep -q -- "--strict" && ok || bad "help analyze: no --strict"
"$netsim" ls --strict >/dev/null 2>&1; [ $? -eq 2 ] && ok || bad "ls --strict: want a usage error"
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
# every command's synopsis (`netsim help CMD`, first line) names exactly the long options it accepts: each
# option of any getopt table in netsim/cli/ is tried on each command, with no other argument (so nothing
# runs); --all is left out (down --all is not to be tried), exec takes none (it passes them on)
opts=$(grep -oh '{"[a-z-]*", \(no\|required\|optional\)_argument' netsim/cli/*.c | sed 's/{"\([a-z-]*\)".*/\1/' | sort -u | grep -vx all)
synopsis=$(for cmd in $("$netsim" --help | awk '/^  [a-z]/ {print $1}'); do
	case $cmd in help | exec) continue ;; esac
	syn=" $("$netsim" help "$cmd" | sed '/^$/q') "
	for o in $opts strict; do
		bare=$("$netsim" "$cmd" "--$o" </dev/null 2>&1 >/dev/null)
		valued=$("$netsim" "$cmd" "--$o=x" </dev/null 2>&1 >/dev/null)
		acc=0
		case $bare in *"unknown option"* | *"needs a value"* | *"is for 'netsim"*) ;; *) acc=1 ;; esac
		case $valued in *"unknown option"* | *"is for 'netsim"*) ;; *) acc=1 ;; esac
		doc=0
		[[ $syn =~ [[:space:]\[\|]--$o[][[:space:]|] ]] && doc=1
		[ $acc = $doc ] || echo "$cmd --$o: accepted $acc, in its synopsis $doc;"
	done
done)
[ -z "$synopsis" ] && ok || bad "synopses: $synopsis"
"$netsim" help analyze | head -1 | grep -qF -- "[--matrix [--by-class]] [--strict]" && ok || bad "help analyze: the synopsis"
# no text output line ends in whitespace
trailing=$(for f in topologies/*.yaml; do
	for cmd in validate plan analyze "analyze --matrix" "analyze --by-class"; do
		"$netsim" $cmd "$f" 2>&1 | grep -n '[[:space:]]$' | sed "s|^|$cmd $f:|"
	done
done
for cmd in "" $("$netsim" --help | awk '/^  [a-z]/ {print $1}'); do "$netsim" help $cmd | grep -n '[[:space:]]$' | sed "s|^|help $cmd:|"; done
"$netsim" trace topologies/serverless-backend.yaml fn db 3306/tcp | grep -n '[[:space:]]$'
"$netsim" trace topologies/serverless-backend.yaml fn proxy 3306/tcp | grep -n '[[:space:]]$')
[ -z "$trailing" ] && ok || bad "trailing whitespace in: $trailing"
# the matrix of a generated topology (1000 hosts in 5 subnets, 2 internet hosts): each class described
# once, identical rows one line, the internet named, a whole VPC summarized, pairs counted honestly
gen=$(mktemp); scripts/gen-topology 1000 gen >"$gen"
out=$("$netsim" analyze "$gen" --matrix --by-class)
[[ $out == *"  class 1   200 hosts          vpc vpc, subnet s0, groups web, listens 80/tcp: h0, h1, h2 and 197 more"$'\n'* ]] &&
	[[ $out == *"  class 6     1 internet host  listens 443/tcp: api"$'\n'* ]] &&
	[[ $out == *$'\n'"  classes 1-5    80/tcp  ← internet: none; vpc vpc: all 5 classes (1000 hosts)"$'\n'* ]] &&
	[[ $out == *$'\n'"  class 6       443/tcp  ← internet: client; vpc vpc: all 5 classes (1000 hosts)"$'\n'* ]] &&
	[[ $out == *$'\n'"(1002001 host pairs, 41 class pairs walked in "*" ms)" ]] &&
	[ "$(grep -c '/tcp  ←' <<<"$out")" -eq 2 ] && ok || bad "analyze --matrix --by-class: $out"
out=$("$netsim" analyze "$gen" --matrix)
[[ $out == *$'\n'"  h999                80/tcp  ← internet: none; vpc vpc: all 999 other hosts"$'\n'* ]] &&
	[[ $out == *$'\n'"  api                443/tcp  ← internet: client; vpc vpc: all 1000 hosts"$'\n'* ]] &&
	ok || bad "analyze --matrix: $(tail -3 <<<"$out")"
"$netsim" analyze "$gen" --matrix | grep -q "more$" && bad "analyze --matrix hides sources in 'and N more'" || ok
"$netsim" analyze "$gen" --json --by-class | python3 -c '
import json, sys
m = json.load(sys.stdin)["matrix"]
c = m["classes"][0]
assert (c["kind"], c["vpc"], c["subnet"], c["security_groups"], len(c["members"])) == ("host", "vpc", "s0", ["web"], 200), c
assert c["listen"] == [{"from": 80, "to": 80, "protocol": "tcp"}], c
assert m["classes"][5]["kind"] == "internet_host" and m["classes"][5]["vpc"] is None, m["classes"][5]
assert m["flows"] == 1002001 and m["walked"] == 41, m
' && ok || bad "analyze --json --by-class: the classes described"
# a /32 rule sets one host apart: the two classes of subnet s0 read alike, so each says what parts them
sed -i 's|source: 10.0.0.0/16 } ]|source: 10.0.0.0/16 }, { protocol: tcp, ports: 22, source: 10.0.1.7/32 } ]|' "$gen"
out=$("$netsim" analyze "$gen" --matrix --by-class)
[[ $out == *"  class 2     1 host           vpc vpc, subnet s0, groups web, listens 80/tcp (told apart by the rule and route CIDRs that contain its address, e.g. 10.0.1.7): h3"$'\n'* ]] &&
	[[ $out == *$'\n'"  classes 1, 3-6    80/tcp  ← internet: none; vpc vpc: all 6 classes (1000 hosts)"$'\n'* ]] &&
	[[ $out == *$'\n'"  class 3   200 hosts          vpc vpc, subnet s1, groups web, listens 80/tcp: h200, h201, h202 and 197 more"$'\n'* ]] &&
	ok || bad "analyze --by-class: classes alike but for a /32: $out"
rm -f "$gen"
"$netsim" trace topologies/serverless-backend.yaml fn 192.0.2.7 icmp | grep -q "BLACKHOLE_ROUTE" && ok || bad "trace names the blackhole"
# not root: exit 3 with a clear message (only checkable as root, by dropping privileges)
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$netsim" up topologies/minimal.yaml 2>&1)
	rc=$?
	[ $rc -eq 3 ] && [[ $out == *"needs root"* ]] && ok || bad "non-root up: exit $rc: $out"
fi

# ---- hostile files, paths, names and output ----
tmp=$(mktemp -d /tmp/netsim-test-cli-XXXXXX)
instances=()
cleanup() {
	for n in "${instances[@]}"; do "$netsim" down "$n" >/dev/null 2>&1; done
	rm -rf "$tmp"
}
trap cleanup EXIT

# not a regular file: refused before reading, clearly, at once (timeout bounds time and so memory)
out=$(timeout 10 "$netsim" validate /dev/zero 2>&1); rc=$?
[ $rc -eq 1 ] && [[ $out == "netsim validate: error: /dev/zero: not a regular file"* ]] && ok || bad "/dev/zero: exit $rc: $out"
mkfifo "$tmp/fifo"
out=$(timeout 10 "$netsim" validate "$tmp/fifo" 2>&1); rc=$?
[ $rc -eq 1 ] && [[ $out == "netsim validate: error: $tmp/fifo: not a regular file"* ]] && ok || bad "FIFO: exit $rc: $out"
out=$(timeout 10 "$netsim" validate "$tmp" 2>&1); rc=$?
[ $rc -eq 1 ] && [[ $out == "netsim validate: error: $tmp: is a directory"* ]] && ok || bad "directory: exit $rc: $out"
truncate -s 9M "$tmp/big.yaml"
out=$(timeout 10 "$netsim" validate "$tmp/big.yaml" 2>&1); rc=$?
[ $rc -eq 1 ] && [[ $out == *"big.yaml: larger than the limit of 8388608 bytes (8 MiB)"* ]] && ok || bad "9 MiB file: exit $rc: $out"
out=$(timeout 10 "$netsim" validate - </dev/zero 2>&1); rc=$?
[ $rc -eq 1 ] && [[ $out == *"<stdin>: larger than the limit"* ]] && ok || bad "stdin /dev/zero: exit $rc: $out"
out=$(timeout 10 "$netsim" plan /dev/zero 2>&1); rc=$?
[ $rc -eq 1 ] && [[ $out == "netsim: error: /dev/zero: not a regular file"* ]] && ok || bad "plan /dev/zero: exit $rc: $out"
# source lines come from the bytes read (standard input can't be read twice)
out=$(printf 'name: x\nvpcs: 5\n' | "$netsim" validate - 2>&1)
[[ $out == *"<stdin>:2:7: error:"*"    2 | vpcs: 5"* ]] && ok || bad "source line from stdin: $out"

# error output is capped: 100 diagnostics, then how many more; JSON has them all
python3 -c '
print("name: big\nvpcs:\n  - name: v\n    cidr: 10.0.0.0/16\n    subnets: [{ name: s, cidr: 10.0.1.0/24 }]\n    hosts:")
for i in range(3000): print("      - { name: h%d, subnet: nosuch, security_groups: [nope] }" % i)' >"$tmp/errors.yaml"
out=$(timeout 20 "$netsim" validate "$tmp/errors.yaml" 2>&1); rc=$?
lines=$(printf '%s\n' "$out" | wc -l)
[ $rc -eq 1 ] && [ "$lines" -le 310 ] && [[ $out == *"netsim: 5900 more errors not shown"* ]] && [[ $out == *"6000 errors, 0 warnings in 1 file"* ]] &&
	ok || bad "error cap: exit $rc, $lines lines: $(printf '%s\n' "$out" | tail -3)"
n=$(timeout 20 "$netsim" validate --json "$tmp/errors.yaml" 2>/dev/null | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$n" = 6000 ] && ok || bad "validate --json lists every error: $n"

# control characters (YAML "\e", "\x07", U+009B) never reach the terminal raw
no_controls() { python3 -c '
import re, sys
d = sys.stdin.buffer.read()
m = re.search(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]", d)
sys.exit(1 if m or not d else 0)'; }
"$netsim" validate tests/data/hostile/control-chars.yaml 2>&1 | no_controls && ok || bad "validate prints raw control characters"
"$netsim" validate tests/data/hostile/control-chars.yaml 2>&1 | grep -qF "topology name 'ctl\e[2J\a' is invalid" && ok ||
	bad "validate shows the name escaped"
"$netsim" analyze tests/data/hostile/control-chars-valid.yaml 2>&1 | no_controls && ok || bad "analyze prints raw control characters"
"$netsim" plan tests/data/hostile/control-chars-valid.yaml 2>&1 | no_controls && ok || bad "plan prints raw control characters"
"$netsim" trace tests/data/hostile/control-chars-valid.yaml client $'web\e[2J' 80/tcp 2>&1 | no_controls && ok ||
	bad "trace prints raw control characters"
"$netsim" validate $'tests/data/hostile/\e[2Jnosuch.yaml' 2>&1 | no_controls && ok || bad "a path is printed raw"

# --name and NAME follow the topology name rule; the error names the argument
out=$("$netsim" plan --name -x topologies/minimal.yaml 2>&1); rc=$?
[ $rc -eq 2 ] && [[ $out == "netsim plan: error: --name '-x': invalid instance name: "*"starting with a letter or digit"* ]] &&
	ok || bad "plan --name -x: exit $rc: $out"
out=$("$netsim" plan --name $'a\e[2J' topologies/minimal.yaml 2>&1); rc=$?
[ $rc -eq 2 ] && [[ $out == *"--name 'a\e[2J'"* ]] && ok || bad "plan --name with ESC: exit $rc: $out"
"$netsim" plan --name 0-x topologies/minimal.yaml >/dev/null 2>&1 && ok || bad "plan --name 0-x must be accepted"
out=$("$netsim" show -- -x 2>&1); rc=$?
[ $rc -eq 2 ] && [[ $out == "netsim show: error: NAME '-x': invalid instance name"* ]] && ok || bad "show -x: exit $rc: $out"

# ---- CI: reports on every outcome (docs/ci.md) ----
# reports_hold STAGE XML JSON [FILE POS]: the JUnit file has one testcase with an <error> of type
# STAGE, the JSON document "error", "stage" and, for FILE, its first diagnostic at POS (LINE:COL)
reports_hold() {
	python3 - "$@" <<'PY'
import json, sys, xml.etree.ElementTree as ET
stage, xml_path, json_path = sys.argv[1:4]
file, pos = (sys.argv[4:6] + [None, None])[:2]
root = ET.parse(xml_path).getroot()
assert root.tag == 'testsuites', root.tag
suites = root.findall('testsuite')
assert len(suites) == 1, suites
s = suites[0]
assert (s.get('tests'), s.get('failures'), s.get('errors')) == ('1', '0', '1'), s.attrib
cases = s.findall('testcase')
assert len(cases) == 1, cases
err = cases[0].find('error')
assert err is not None and err.get('type') == stage, ET.tostring(cases[0])
assert err.get('message') and err.text, ET.tostring(err)
d = json.load(open(json_path))
assert d['schema'] == 1 and d['expectations'] == [] and d['passed'] == 0 and d['failed'] == 0, d
assert d['stage'] == stage and d['error'] == err.get('message'), (d['error'], err.get('message'))
assert isinstance(d['diagnostics'], list), d
if file:
    line, col = map(int, pos.split(':'))
    want = '%s:%d:%d: error: ' % (file, line, col)
    assert d['error'].startswith(want), d['error']
    assert want in err.text, err.text
    g = d['diagnostics'][0]
    assert (g['file'], g['line'], g['column'], g['severity']) == (file, line, col, 'error'), g
    assert g['message'] in err.text, err.text
PY
}
# an invalid file: exit 1 (root or not: nothing is built), both reports hold its diagnostics,
# and stderr has them as a compiler writes them
f=tests/data/invalid/subnet-outside-vpc.yaml
pos=$(head -1 "$f" | sed -n 's/^# expect: \([0-9]*:[0-9]*\): .*/\1/p')
"$netsim" test "$f" --junit "$tmp/invalid.xml" --json >"$tmp/invalid.json" 2>"$tmp/invalid.err"; rc=$?
[ $rc -eq 1 ] && reports_hold invalid "$tmp/invalid.xml" "$tmp/invalid.json" "$f" "$pos" &&
	grep -q "^$f:$pos: error: subnet 'data'" "$tmp/invalid.err" && ok || bad "test of an invalid file: exit $rc: $(cat "$tmp/invalid.err")"
# every diagnostic is in both: one with three errors
printf 'name: three\nvpcs:\n  - name: v\n    cidr: 10.0.0.0/16\n    subnets: [{ name: s, cidr: 10.0.1.0/24 }]\n    hosts:\n%s\n' \
	"$(for i in 1 2 3; do echo "      - { name: h$i, subnet: nosuch }"; done)" >"$tmp/three.yaml"
"$netsim" test "$tmp/three.yaml" --junit "$tmp/three.xml" --json >"$tmp/three.json" 2>/dev/null; rc=$?
[ $rc -eq 1 ] && python3 - "$tmp/three.xml" "$tmp/three.json" <<'PY' && ok || bad "test of a file with 3 errors: exit $rc"
import json, sys, xml.etree.ElementTree as ET
err = ET.parse(sys.argv[1]).getroot().find('testsuite/testcase/error')
d = json.load(open(sys.argv[2]))
errors = [g for g in d['diagnostics'] if g['severity'] == 'error']
assert len(errors) == 3 and [g['line'] for g in errors] == [7, 8, 9], d['diagnostics']
assert d['error'].endswith('(and 2 more errors)'), d['error']
assert err.text.count(': error: ') == 3, err.text
PY
# a file that can't be read: the same, the reason as its one diagnostic
"$netsim" test "$tmp/nosuch.yaml" --junit "$tmp/nosuch.xml" --json >"$tmp/nosuch.json" 2>/dev/null; rc=$?
[ $rc -eq 1 ] && reports_hold invalid "$tmp/nosuch.xml" "$tmp/nosuch.json" &&
	python3 -c 'import json,sys; g=json.load(open(sys.argv[1]))["diagnostics"]; assert len(g)==1 and g[0]["line"]==0 and "No such file" in g[0]["message"], g' "$tmp/nosuch.json" &&
	ok || bad "test of a missing file: exit $rc"
# the output paths come first: a bad --junit is said before the file is even read
out=$("$netsim" test "$f" --junit /nonexistent/dir/r.xml 2>&1); rc=$?
[ $rc -eq 1 ] && [[ $out == "netsim test: error: --junit /nonexistent/dir/r.xml: No such file or directory" ]] &&
	ok || bad "test with a bad --junit: exit $rc: $out"

if [ "$(id -u)" -eq 0 ]; then
	# output paths are checked before anything is built
	out=$("$netsim" check nosuch --junit /nonexistent/dir/r.xml 2>&1); rc=$?
	[ $rc -eq 1 ] && [[ $out == "netsim check: error: --junit /nonexistent/dir/r.xml: No such file or directory"* ]] &&
		ok || bad "junit in a missing dir: exit $rc: $out"
	mkdir "$tmp/theirs" && chown 65534:65534 "$tmp/theirs"
	out=$("$netsim" check nosuch --pcap "$tmp/theirs" 2>&1); rc=$?
	[ $rc -eq 1 ] && [[ $out == *"--pcap $tmp/theirs: owned by another user"* ]] && ok || bad "pcap dir of another user: exit $rc: $out"
	mkdir -m 0777 "$tmp/open"
	out=$("$netsim" check nosuch --pcap "$tmp/open" 2>&1); rc=$?
	[ $rc -eq 1 ] && [[ $out == *"writable by others and not sticky"* ]] && ok || bad "world-writable pcap dir: exit $rc: $out"
	ln -s /etc "$tmp/etc-link"
	out=$("$netsim" check nosuch --pcap "$tmp/etc-link" 2>&1); rc=$?
	[ $rc -eq 1 ] && [[ $out == *"is a symlink"* ]] && ok || bad "pcap dir a symlink: exit $rc: $out"

	# a failed 'up' (its 3rd kernel operation made to fail): exit 1, both reports say why, under
	# the instance name drawn for it (<topology>-XXXX), and nothing of it is left
	out=$(NETSIM_FAIL_AT=3 timeout 120 "$netsim" test topologies/minimal.yaml --junit "$tmp/up.xml" --json \
		2>"$tmp/up.err" >"$tmp/up.json"); rc=$?
	name=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["topology"])' "$tmp/up.json" 2>/dev/null)
	[ -n "$name" ] && instances+=("$name")
	[ $rc -eq 1 ] && reports_hold up "$tmp/up.xml" "$tmp/up.json" && [[ $name =~ ^minimal-[a-z0-9]{4}$ ]] &&
		grep -q "injected by NETSIM_FAIL_AT=3" "$tmp/up.json" && grep -q "injected by NETSIM_FAIL_AT=3" "$tmp/up.xml" &&
		[ ! -e "/run/netsim/$name" ] && ! ls /run/netns | grep -q "^netsim-$name-" &&
		ok || bad "test with a failed up: exit $rc, instance '$name': $(cat "$tmp/up.err")"
	# check of an instance that is not up: the reports say so too
	"$netsim" check "nosuch$$" --junit "$tmp/notup.xml" --json >"$tmp/notup.json" 2>/dev/null; rc=$?
	[ $rc -eq 1 ] && reports_hold run "$tmp/notup.xml" "$tmp/notup.json" &&
		grep -q '"error": "the instance is not up"' "$tmp/notup.json" && ok || bad "check of an instance not up: exit $rc"
	# a bad output path builds nothing: not the instance, not one namespace
	name=cinb$$
	sed "s/^name: minimal /name: $name /" topologies/minimal.yaml >"$tmp/nobuild.yaml"
	out=$("$netsim" test "$tmp/nobuild.yaml" --pcap "$tmp/open" 2>&1); rc=$?
	[ $rc -eq 1 ] && [[ $out == *"writable by others and not sticky"* ]] && ! ls /run/netsim | grep -q "^$name" &&
		! ls /run/netns | grep -q "^netsim-$name" && ok || bad "test with a bad --pcap built something: exit $rc: $out"

	# a corrupt state.json: an error naming it, exit 1 (not "(null)" and 0)
	name=hcli-show-$$
	if mkdir -m 0700 "/run/netsim/$name" 2>/dev/null; then
		printf '{"topology": ' >"/run/netsim/$name/state.json"
		out=$("$netsim" show "$name" 2>&1); rc=$?
		rm -rf "/run/netsim/${name:?}"
		[ $rc -eq 1 ] && [[ $out == "netsim show: error: /run/netsim/$name/state.json: not valid JSON"* ]] && ok ||
			bad "corrupt state.json: exit $rc: $out"
	fi

	# a symlink planted at the --junit path is neither followed nor replaced (it could be /dev/stdout):
	# refused before anything is built; a regular path is then written 0644, pcaps beside it
	mkdir "$tmp/out" && echo precious >"$tmp/outside" && ln -s "$tmp/outside" "$tmp/out/report.xml"
	name=hcli-$$
	instances+=("$name")
	out=$(timeout 120 "$netsim" test topologies/minimal.yaml --name "$name" --junit "$tmp/out/report.xml" 2>&1); rc=$?
	[ $rc -eq 1 ] && [ "$(cat "$tmp/outside")" = precious ] && [ -L "$tmp/out/report.xml" ] &&
		[[ $out == *"report.xml: is a symlink"* ]] && ok ||
		bad "junit through a planted symlink: exit $rc, outside: $(cat "$tmp/outside"): $out"
	rm "$tmp/out/report.xml"
	out=$(timeout 120 "$netsim" test topologies/minimal.yaml --name "$name" --junit "$tmp/out/report.xml" \
		--pcap "$tmp/out/pcap" 2>&1); rc=$?
	if [ $rc -eq 3 ]; then
		echo "SKIP: netsim test cannot make namespaces here: $out"
	else
		[ $rc -eq 0 ] && grep -q "<testsuite" "$tmp/out/report.xml" && [ -n "$(ls "$tmp/out/pcap")" ] &&
			[ "$(stat -c %a "$tmp/out/report.xml")" = 644 ] && ok ||
			bad "junit report: exit $rc: $out"
	fi
fi

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
