#!/usr/bin/env bash
# Explanations that fix (issue 10), as a user reads them: the field inputs'
# explanations (../shared/field), trace's columns, the `fix:` line of trace and
# analyze, and analyze --json's fix object. $1: the netsim binary. Run from
# the project root.
set -u
netsim=$1
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }
has() { case "$1" in *"$2"*) return 0 ;; esac; return 1; }

# field/nat-loop.yaml: the address that matches the NAT gateway's own route is the destination's
out=$("$netsim" trace tests/data/field/nat-loop.yaml worker feed 443/tcp 2>/dev/null)
has "$out" "subnet inner: 198.51.100.40 matches 0.0.0.0/0 -> nat, the NAT gateway itself" &&
	has "$out" "sends 198.51.100.40 back to nat" && ! has "$out" "10.7.2.5 matches" &&
	! has "$out" "sends 10.7.2.5 back" && ok || bad "nat-loop names the client's address: $out"
json=$("$netsim" trace --json tests/data/field/nat-loop.yaml worker feed 443/tcp 2>/dev/null)
python3 -c '
import json, sys
p = json.load(sys.stdin)["predicted"]
assert p["reason"] == "NO_ROUTE", p
assert "sends 198.51.100.40 back to nat" in p["explanation"], p["explanation"]
assert "198.51.100.40 matches 0.0.0.0/0" in p["hops"][-1]["detail"], p["hops"][-1]
' <<<"$json" && ok || bad "nat-loop JSON: $json"

# field/ambiguous-sg.yaml: groups written VPC/GROUP where the bare name reads as a contradiction
out=$("$netsim" trace tests/data/field/ambiguous-sg.yaml shop1 pg 5432/tcp 2>/dev/null)
has "$out" "(shop1, in shop/web-sg); it allows: tcp/5432 store/web-sg" && ok ||
	bad "ambiguous-sg explanation not qualified: $out"
json=$("$netsim" trace --json tests/data/field/ambiguous-sg.yaml shop1 pg 5432/tcp 2>/dev/null)
python3 -c '
import json, sys
p = json.load(sys.stdin)["predicted"]
assert "(shop1, in shop/web-sg); it allows: tcp/5432 store/web-sg" in p["explanation"], p["explanation"]
assert any("tcp/5432 store/web-sg" in h["detail"] for h in p["hops"]), p["hops"]
assert p["fix"]["yaml"] == "{ protocol: tcp, ports: 5432, source: shop/web-sg }", p["fix"]
' <<<"$json" && ok || bad "ambiguous-sg JSON: $json"

# trace: columns as wide as the longest name, so a 32-character group name does not run into its kind
out=$("$netsim" trace tests/data/analyze/long-sg-name.yaml fn db 3306/tcp 2>/dev/null)
c1=$(grep -m1 '^ *1 ' <<<"$out" | awk '{ print index($0, " host ") }')
c6=$(grep -m1 'rds-launch-wizard-security-group ' <<<"$out" | awk '{ print index($0, " security group ") }')
[ -n "$c1" ] && [ "$c1" -gt 0 ] && [ "$c1" = "$c6" ] && ok || bad "trace columns not aligned ($c1, $c6): $out"

# fix: in trace and analyze, computed from the topology
out=$("$netsim" trace topologies/serverless-backend.yaml fn db 3306/tcp)
has "$out" "  fix: add to db-sg ingress: { protocol: tcp, ports: 3306, source: fn-sg }" && ok ||
	bad "trace has no fix: line: $out"
out=$("$netsim" trace topologies/serverless-backend.yaml fn partner-api 443/tcp)
! has "$out" "fix:" && ok || bad "a reachable flow has a fix: $out"
out=$("$netsim" analyze tests/data/fix/no-route.yaml)
has "$out" "    fix: add to route table private: { destination: 0.0.0.0/0, target: nat-a }" && ok ||
	bad "analyze has no fix: line: $out"
out=$("$netsim" analyze tests/data/fix/close-sg.yaml)
has "$out" "    fix: remove from db-sg ingress: { protocol: tcp, ports: 3306, source: fn-sg }" && ok ||
	bad "analyze does not say what to remove: $out"
"$netsim" analyze --json tests/data/fix/sg-ingress.yaml | python3 -c '
import json, sys
e = json.load(sys.stdin)["expectations"][0]
f = e["fix"]
assert f == e["predicted"]["fix"], (f, e["predicted"]["fix"])
assert f["component"] == "db-sg" and f["action"] == "add", f
assert f["path"] == "vpcs[main].security_groups[db-sg].ingress", f
assert f["yaml"] == "{ protocol: tcp, ports: 3306, source: fn-sg }", f
assert f["others"] is False, f
' && ok || bad "analyze --json fix object"

# blocked_by: in analyze: the wrong reason fails and says what blocks it instead (text, JSON)
out=$("$netsim" analyze tests/data/analyze/blocked-by-wrong.yaml); rc=$?
[ $rc -eq 1 ] && has "$out" "✗ fn → db:3306/tcp" &&
	has "$out" "    blocked_by: db-sg, but fn-sg blocks it instead (SG_EGRESS_NO_RULE): blocked by security group fn-sg" &&
	has "$out" "✓ fn → proxy:3306/tcp" && has "$out" "1 predicted to hold, 2 predicted to fail" && ok ||
	bad "analyze blocked_by (exit $rc): $out"
"$netsim" analyze --json tests/data/analyze/blocked-by-wrong.yaml | python3 -c '
import json, sys
d = json.load(sys.stdin)
e = d["expectations"]
assert d["predicted_to_fail"] == 2, d
assert e[0]["holds"] is False and e[0]["blocked_by"] == "db-sg", e[0]
assert e[0]["reason"].startswith("blocked_by: db-sg, but fn-sg blocks it instead"), e[0]["reason"]
assert e[1]["holds"] is True and e[1]["reason"] is None and e[1]["fix"] is None, e[1]
assert e[2]["fix"]["action"] == "remove", e[2]
' && ok || bad "analyze --json blocked_by"
# the example uses it, and every blocked_by there holds
"$netsim" analyze topologies/serverless-backend.yaml >/dev/null && grep -q "blocked_by: db-sg" topologies/serverless-backend.yaml &&
	ok || bad "serverless-backend's blocked_by: do not hold"

echo "explain: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
