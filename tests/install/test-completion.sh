#!/usr/bin/env bash
# The bash completion for real: sources completions/netsim.bash and calls _netsim with COMP_WORDS and
# COMP_CWORD set, as bash does, asserting the candidates: commands, options of `test`, instance names
# from a temporary NETSIM_STATE_DIR with fake instance dirs, hosts of `exec` from a fake state.json and
# from `netsim show NAME --json`, topology files. zsh's completion gets a syntax check (zsh -n) when zsh
# is installed. With the netsim binary, the completion is held against it: every command of `netsim help`
# and every option of `netsim help CMD` is offered, so a new command or option fails this test until the
# completion knows it. Usage: test-completion.sh SOURCE_ROOT [NETSIM]
set -uo pipefail

root=${1:?usage: test-completion.sh SOURCE_ROOT [NETSIM]}
netsim_bin=${2:-}
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT
fail=0

# shellcheck source=../../completions/netsim.bash
source "$root/completions/netsim.bash" || { echo "FAIL: sourcing netsim.bash"; exit 1; }
[[ $(complete -p netsim) == *"-F _netsim netsim"* ]] || { echo "FAIL: 'complete -F _netsim netsim' not registered"; fail=1; }

# complete LINE: the words of LINE (a trailing space means a new empty word), completed at the last
complete_line()
{
	local line=$1
	read -r -a COMP_WORDS <<<"$line"
	[[ $line == *' ' ]] && COMP_WORDS+=("")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE=$line
	COMP_POINT=${#line}
	COMPREPLY=()
	_netsim netsim "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
	((${#COMPREPLY[@]})) && printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort
}

# expect LINE WANT...: exactly these candidates, in any order
expect()
{
	local line=$1 got want
	shift
	got=$(complete_line "$line" | tr '\n' ' ')
	want=$(printf '%s\n' "$@" | LC_ALL=C sort | tr '\n' ' ')
	[[ $want == ' ' ]] && want=
	if [[ $got != "$want" ]]; then
		echo "FAIL: '$line<TAB>': got [$got], want [$want]"
		fail=1
	else
		echo "ok: '$line<TAB>': [$got]"
	fi
}

# contains LINE WANT...: these among the candidates
contains()
{
	local line=$1 got w
	shift
	got=$(complete_line "$line")
	for w in "$@"; do
		if ! grep -qxF -- "$w" <<<"$got"; then
			echo "FAIL: '$line<TAB>': '$w' missing from [$(tr '\n' ' ' <<<"$got")]"
			fail=1
			return
		fi
	done
	echo "ok: '$line<TAB>' offers $*"
}

# no instance is listed from a state dir that does not exist; no real netsim is run for hosts
export NETSIM_STATE_DIR=$tmp/state
PATH=/usr/bin:/bin

expect 'netsim ' validate plan up down ls show exec logs test check trace analyze import graph help
expect 'netsim t' test trace
expect 'netsim -' --help --version -h -V
expect 'netsim test --' --name --keep --only --timeout --json --junit --flow-log --flow-log-format --pcap --html --verbose --strict --help
expect 'netsim check --j' --json --junit
expect 'netsim analyze --' --json --matrix --by-class --strict --help
expect 'netsim graph x.yaml --format ' dot mermaid svg html
expect 'netsim down --' --all --help
expect 'netsim help c' check
expect 'netsim down '
expect 'netsim test x.yaml --name '
expect 'netsim test x.yaml --timeout '

# instance names: the state dir's directories with valid names (not files, symlinks or invalid names)
mkdir -p "$NETSIM_STATE_DIR"/{serverless-backend,sb-test,Invalid_Name} "$tmp/elsewhere"
touch "$NETSIM_STATE_DIR/not-a-dir"
ln -s "$tmp/elsewhere" "$NETSIM_STATE_DIR/a-symlink"
expect 'netsim down ' sb-test serverless-backend
expect 'netsim show sb' sb-test
expect 'netsim check sb-' sb-test
expect 'netsim exec ' sb-test serverless-backend
expect 'netsim down sb-test '
# a NETSIM_STATE_DIR that is not absolute is ignored by netsim, so by the completion too
NETSIM_STATE_DIR=relative expect 'netsim show sb-'

# hosts of `exec`: from NAME/state.json when `netsim show` gives nothing (no netsim on PATH here)
cat >"$NETSIM_STATE_DIR/serverless-backend/state.json" <<'JSON'
{
  "name": "serverless-backend",
  "topology": "/work/topologies/serverless-backend.yaml",
  "created": 1,
  "hosts": [
    {"name": "fn", "kind": "function", "where": "main/app-c", "namespace": "netsim-serverless-backend-fn", "address": "10.0.3.4"},
    {"name": "db", "kind": "database", "where": "main/data-c", "namespace": "netsim-serverless-backend-db", "address": "10.0.4.4"},
    {"name": "partner-api", "kind": "internet", "where": "internet", "namespace": "netsim-serverless-backend-partner-api", "address": "198.51.100.20"}
  ],
  "namespaces": [
    "netsim-serverless-backend-main",
    "netsim-serverless-backend-igw",
    "netsim-serverless-backend-internet",
    "netsim-serverless-backend-fn",
    "netsim-serverless-backend-db",
    "netsim-serverless-backend-partner-api"
  ],
  "responder": {"pid": 0, "start_time": 0}
}
JSON
expect 'netsim exec serverless-backend ' db fn igw internet main partner-api
expect 'netsim exec serverless-backend p' partner-api
expect 'netsim exec sb-test '
expect 'netsim trace serverless-backend fn d' db
expect 'netsim trace serverless-backend fn db ' icmp 22/tcp 80/tcp 443/tcp 3306/tcp 5432/tcp 53/udp
# after NAME HOST comes a command
contains 'netsim exec serverless-backend fn -- bas' bash
contains 'netsim exec serverless-backend fn bas' bash

# hosts from `netsim show NAME --json` first, when netsim answers (a fake one here)
mkdir -p "$tmp/bin"
cat >"$tmp/bin/netsim" <<'SH'
#!/bin/sh
[ "$1 $2 $3" = "show sb-test --json" ] || exit 2
printf '{"name": "sb-test", "hosts": [{"name": "web", "namespace": "netsim-sb-test-web"}],\n "namespaces": ["netsim-sb-test-demo", "netsim-sb-test-web"]}\n'
SH
chmod +x "$tmp/bin/netsim"
PATH=$tmp/bin:/usr/bin:/bin expect 'netsim exec sb-test ' demo web

# topology files for FILE arguments: *.yaml, *.yml and directories
mkdir -p "$tmp/topo/sub"
touch "$tmp/topo/a.yaml" "$tmp/topo/b.yml" "$tmp/topo/notes.txt"
(
	cd "$tmp/topo" || exit 1
	expect 'netsim validate ' a.yaml b.yml sub
	expect 'netsim up a' a.yaml
	expect 'netsim test ' a.yaml b.yml sub
	expect 'netsim test a.yaml '
	expect 'netsim trace ' a.yaml b.yml sb-test serverless-backend sub
	expect 'netsim show ' a.yaml b.yml sb-test serverless-backend sub
	expect 'netsim test a.yaml --junit n' notes.txt
	expect 'netsim test a.yaml --pcap ' sub
) || fail=1

# in step with the binary: its commands, and each command's options
if [[ -n $netsim_bin ]]; then
	mapfile -t cmds < <("$netsim_bin" help | sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p')
	((${#cmds[@]} >= 10)) || { echo "FAIL: 'netsim help' listed ${#cmds[@]} commands"; fail=1; }
	expect 'netsim ' "${cmds[@]}"
	zsh_spec=$(<"$root/completions/_netsim")
	for c in "${cmds[@]}"; do
		mapfile -t opts < <("$netsim_bin" help "$c" | grep -oE '(^|[ ,])--?[a-z][a-z-]*' | tr -d ' ,' | sort -u)
		((${#opts[@]})) && contains "netsim $c -" "${opts[@]}"
		for o in "${opts[@]}"; do
			[[ $o == --help ]] && continue
			[[ $zsh_spec == *[^a-z-]"$o"[=[,\}]* ]] ||
				{ echo "FAIL: zsh completion lacks $o of $c"; fail=1; }
		done
	done
fi

if command -v zsh >/dev/null; then
	if zsh -n "$root/completions/_netsim"; then
		echo "ok: zsh -n completions/_netsim"
	else
		echo "FAIL: zsh -n completions/_netsim"
		fail=1
	fi
else
	echo "note: zsh not installed: completions/_netsim not checked"
fi

exit $fail
