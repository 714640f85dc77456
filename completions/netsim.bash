# bash completion for netsim(1)                                  -*- shell-script -*-
# Commands, options per command, instance names (the directories of $NETSIM_STATE_DIR or
# /run/netsim, readable by root only: netsim is never run as root to list them), host names of an
# instance for `exec` and `trace` (from `netsim show NAME --json`, else NAME/state.json), topology
# files (*.yaml, *.yml) for FILE arguments.

_netsim_commands="validate plan up down ls show exec logs test check trace analyze import graph help"

_netsim_state_dir()
{
	# netsim ignores a NETSIM_STATE_DIR that is not absolute
	if [[ ${NETSIM_STATE_DIR-} == /* ]]; then
		printf '%s\n' "$NETSIM_STATE_DIR"
	else
		printf '%s\n' /run/netsim
	fi
}

# instance names: the state dir's subdirectories with valid names
_netsim_instances()
{
	local dir d n
	dir=$(_netsim_state_dir)
	for d in "$dir"/*; do
		[[ -d $d && ! -L $d ]] || continue
		n=${d##*/}
		[[ $n =~ ^[a-z0-9][a-z0-9-]{0,23}$ ]] && printf '%s\n' "$n"
	done
}

# the nodes of instance $2 (hosts, routers, gateways: every namespace netsim-NAME-NODE), netsim being $1
_netsim_hosts()
{
	local netsim=$1 name=$2 json=
	[[ $name =~ ^[a-z0-9][a-z0-9-]{0,23}$ ]] || return 0
	if [[ $netsim == */* && -x $netsim ]] || type -P -- "$netsim" >/dev/null 2>&1; then
		json=$("$netsim" show "$name" --json 2>/dev/null </dev/null) || json=
	fi
	if [[ -z $json ]]; then
		json=$(cat -- "$(_netsim_state_dir)/$name/state.json" 2>/dev/null) || return 0
	fi
	grep -o "\"netsim-$name-[a-z0-9-]*\"" <<<"$json" | sed -e "s/^\"netsim-$name-//" -e 's/"$//' | sort -u
}

# topology files and directories to descend into
_netsim_files()
{
	local cur=$1 f
	compopt -o filenames 2>/dev/null
	while IFS= read -r f; do
		if [[ -d $f ]]; then
			COMPREPLY+=("$f")
		else
			case $f in *.yaml | *.yml) COMPREPLY+=("$f") ;; esac
		fi
	done < <(compgen -f -- "$cur")
	return 0
}

_netsim_options()
{
	case ${1-} in
	validate) echo --json --strict --help ;;
	plan) echo --name --json --strict --help ;;
	up) echo --name --strict --help ;;
	down) echo --all --help ;;
	ls) echo --all --json --help ;;
	show) echo --json --help ;;
	trace) echo --json --strict --help ;;
	exec) echo --help ;;
	logs) echo --follow -f --help ;;
	test) echo --name --keep --only --timeout --json --junit --flow-log --flow-log-format --pcap --html --verbose -v --strict --help ;;
	check) echo --only --timeout --json --junit --flow-log --flow-log-format --pcap --html --verbose -v --strict --help ;;
	analyze) echo --json --matrix --by-class --strict --help ;;
	import) echo --parameter --region --overlay --expect --output -o --json --help ;;
	graph) echo --format --flows --output -o --strict --help ;;
	help) ;;
	*) echo --help --version -h -V ;;
	esac
}

_netsim()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local netsim=${COMP_WORDS[0]} cmd='' i w dashdash=0
	local -a pos=()
	COMPREPLY=()

	# the command, then the positional words before the cursor (option arguments skipped)
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ -z $cmd ]]; then
			[[ $w == -* ]] || cmd=$w
			continue
		fi
		if ((dashdash)); then
			pos+=("$w")
			continue
		fi
		case $w in
		--) [[ $cmd == exec ]] && dashdash=1 ;;
		--name | --only | --timeout | --junit | --flow-log | --flow-log-format | --pcap | --html) ((i++)) ;;
		--format | --output | -o) [[ $cmd == graph ]] && ((i++)) ;;
		-*) ;;
		*) pos+=("$w") ;;
		esac
	done

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "$(_netsim_options)" -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -W "$_netsim_commands" -- "$cur")
		fi
		return 0
	fi

	# exec: after NAME HOST comes the command and its arguments
	if [[ $cmd == exec ]] && ((dashdash || ${#pos[@]} >= 2)); then
		if ((${#pos[@]} == 2)) && [[ $cur != -- ]]; then
			mapfile -t COMPREPLY < <(compgen -c -- "$cur")
		else
			compopt -o default 2>/dev/null
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		fi
		return 0
	fi

	case $prev in
	--junit | --flow-log | --html)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0
		;;
	--pcap)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return 0
		;;
	--name | --only | --timeout)
		return 0
		;;
	--format)
		[[ $cmd == graph ]] && mapfile -t COMPREPLY < <(compgen -W "dot mermaid svg html" -- "$cur")
		return 0
		;;
	--output | -o)
		if [[ $cmd == graph ]]; then
			compopt -o filenames 2>/dev/null
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
			return 0
		fi
		;;
	esac

	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_netsim_options "$cmd")" -- "$cur")
		return 0
	fi

	local n=${#pos[@]}
	case $cmd in
	validate)
		_netsim_files "$cur"
		;;
	plan | up | test | analyze)
		((n == 0)) && _netsim_files "$cur"
		;;
	import)
		((n == 0)) && mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		;;
	down | check)
		((n == 0)) && mapfile -t COMPREPLY < <(compgen -W "$(_netsim_instances)" -- "$cur")
		;;
	show)
		if ((n == 0)); then
			mapfile -t COMPREPLY < <(compgen -W "$(_netsim_instances)" -- "$cur")
			_netsim_files "$cur"
		fi
		;;
	exec | logs)
		if ((n == 0)); then
			mapfile -t COMPREPLY < <(compgen -W "$(_netsim_instances)" -- "$cur")
		elif ((n == 1)); then
			mapfile -t COMPREPLY < <(compgen -W "$(_netsim_hosts "$netsim" "${pos[0]}")" -- "$cur")
		fi
		;;
	trace)
		if ((n == 0)); then
			mapfile -t COMPREPLY < <(compgen -W "$(_netsim_instances)" -- "$cur")
			_netsim_files "$cur"
		elif ((n == 1 || n == 2)) && [[ ! -e ${pos[0]} ]]; then
			mapfile -t COMPREPLY < <(compgen -W "$(_netsim_hosts "$netsim" "${pos[0]}")" -- "$cur")
		elif ((n == 3)); then
			mapfile -t COMPREPLY < <(compgen -W "icmp 22/tcp 80/tcp 443/tcp 3306/tcp 5432/tcp 53/udp" -- "$cur")
		fi
		;;
	graph)
		if ((n == 0)); then
			mapfile -t COMPREPLY < <(compgen -W "$(_netsim_instances)" -- "$cur")
			_netsim_files "$cur"
		fi
		;;
	help)
		((n == 0)) && mapfile -t COMPREPLY < <(compgen -W "$_netsim_commands" -- "$cur")
		;;
	esac
	return 0
}

complete -F _netsim netsim
