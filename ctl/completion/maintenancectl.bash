# bash completion for maintenancectl(1)                         -*- shell-script -*-
# shellcheck shell=bash disable=SC2207,SC2046
# (COMPREPLY=($(compgen ...)) and unquoted word lists are bash-completion's idiom.)
#
# Completes the commands, the options of each command, the values of the options that have a
# fixed set of them, and, from the running daemon, window IDs (only those a command can act on:
# `start 3`, for a scheduled window 3) and host names. The daemon is asked only when it is already
# running (its name has an owner on the bus), so completing never starts it through bus
# activation; only `list` and `hosts` are called, which need no authorization, with
# --no-ask-password, so completing never brings up a polkit prompt. When the daemon cannot be
# reached nothing is offered and nothing is printed. Needs bash-completion 2.

__maintenancectl_commands='status list show schedule dry-run start retry-hosts complete cancel
    update hosts host-maintenance sessions terminate-sessions reload'

# The options of the command $1 (empty: before any command), including the global ones.
__maintenancectl_options() {
    local window_options='--reason --notify --comment --login-message --show-login-message
        --notify-message --lead --hosts --no-auto-complete --auto-complete --max-failed'
    local options='--json --no-ask-password -H --host --no-legend --version -h --help'
    case $1 in
        show) options+=' --hosts' ;;
        schedule) options+=" $window_options --duration" ;;
        update) options+=" $window_options --start --end --valid" ;;
        start) options+=' --force --max-failed --no-block' ;;
        retry-hosts) options+=' --no-block' ;;
        complete) options+=' --note --notify --failed' ;;
        cancel) options+=' --reason' ;;
        terminate-sessions) options+=' --include-admins' ;;
    esac
    echo "$options"
}

# Options whose value is the next word when it is not given with "=", after the command $2
# (`show ID --hosts` is a flag, --hosts of schedule and update takes the list of hosts).
__maintenancectl_takes_value() {
    case $1 in
        -H | --host | --reason | --notify | --comment | --login-message | --notify-message | \
            --lead | --start | --end | --duration | --valid | --note | --max-failed)
            return 0
            ;;
        --hosts)
            [[ $2 != show ]]
            return
            ;;
    esac
    return 1
}

# Runs `maintenancectl ARGS...` (the program being completed, with the -H of the command line)
# if the daemon is running, quietly and for a few seconds at most; prints nothing otherwise.
__maintenancectl_ask_daemon() {
    local ctl=${words[0]}
    type -P -- "$ctl" &>/dev/null || ctl=maintenancectl
    type -P -- "$ctl" &>/dev/null || return 0
    type -P busctl &>/dev/null || return 0
    local -a limit=()
    type -P timeout &>/dev/null && limit=(timeout 3)
    # NameHasOwner is answered by the bus itself: asking it never activates the daemon.
    local owned
    owned=$("${limit[@]}" busctl "${__maintenancectl_host[@]}" --system --timeout=2 call \
        org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus NameHasOwner \
        s org.example.Maintenance1 </dev/null 2>/dev/null) || return 0
    [[ $owned == "b true" ]] || return 0
    "${limit[@]}" "$ctl" "${__maintenancectl_host[@]}" --no-ask-password --no-legend "$@" \
        </dev/null 2>/dev/null
    return 0
}

# The IDs of the windows whose status is one of $@ (all windows when none is given).
__maintenancectl_windows() {
    __maintenancectl_ask_daemon list | awk -v wanted="$*" '
        BEGIN { n = split(wanted, w, " "); for (i = 1; i <= n; i++) ok[w[i]] = 1 }
        $1 ~ /^[0-9]+$/ && (n == 0 || ($2 in ok)) { print $1 }'
}

__maintenancectl_hosts() {
    __maintenancectl_ask_daemon hosts | awk 'NF { print $1 }'
}

# The audiences of the local configuration (the daemon has no method that lists them).
__maintenancectl_audiences() {
    ((${#__maintenancectl_host[@]} == 0)) || return 0
    local conf=/etc/maintenanced/maintenanced.conf
    sed -n 's/^[[:blank:]]*\[Audience[[:blank:]]\{1,\}\([^]]*\)\].*/\1/p' \
        "$conf" "$conf".d/*.conf 2>/dev/null | sort -u
}

# Completes the last item of the comma-separated list in $cur from the words $@, leaving out the
# items already given.
__maintenancectl_list() {
    local given='' item=$cur
    if [[ $cur == *,* ]]; then
        given=${cur%,*},
        item=${cur##*,}
    fi
    local -a candidates=()
    local c
    for c in "$@"; do
        [[ ,$given == *,"$c",* ]] || candidates+=("$c")
    done
    COMPREPLY=($(compgen -P "$given" -W "${candidates[*]}" -- "$item"))
}

_maintenancectl() {
    local cur prev words cword split
    _init_completion -s || return

    # The command, how many of its arguments come before the word being completed, and -H.
    local -a __maintenancectl_host=()
    local command='' arguments=0 options_ended=false word i
    for ((i = 1; i < cword; i++)); do
        word=${words[i]}
        if ! $options_ended && [[ $word == -[!0-9]* ]]; then
            case $word in
                --) options_ended=true ;;
                -H | --host) __maintenancectl_host=(-H "${words[i + 1]}") ;;
                --host=*) __maintenancectl_host=(-H "${word#--host=}") ;;
                -H?*) __maintenancectl_host=(-H "${word#-H}") ;;
            esac
            __maintenancectl_takes_value "$word" "$command" && ((i++))
        elif [[ -z $command ]]; then
            command=$word
        else
            ((arguments++))
        fi
    done

    # The value of an option.
    case $prev in
        -H | --host)
            _known_hosts_real -- "$cur"
            return
            ;;
        --hosts)
            if [[ $command != show ]]; then
                __maintenancectl_list $(__maintenancectl_hosts)
                return
            fi
            ;;
        --notify)
            __maintenancectl_list $(__maintenancectl_audiences)
            return
            ;;
        --valid)
            COMPREPLY=($(compgen -W 'yes no' -- "$cur"))
            return
            ;;
        --show-login-message | --auto-complete)
            # Their value can only be given with "=".
            if [[ $split == true ]]; then
                COMPREPLY=($(compgen -W 'yes no' -- "$cur"))
                return
            fi
            ;;
        --reason | --comment | --login-message | --notify-message | --lead | --start | --end | \
            --duration | --note | --max-failed)
            return
            ;;
    esac
    [[ $split == true ]] && return

    if ! $options_ended && [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(__maintenancectl_options "$command")" -- "$cur"))
        return
    fi

    if [[ -z $command ]]; then
        COMPREPLY=($(compgen -W "$__maintenancectl_commands" -- "$cur"))
        return
    fi

    local offered=''
    case $command:$arguments in
        show:0) offered=$(__maintenancectl_windows) ;;
        start:0 | cancel:0) offered=$(__maintenancectl_windows scheduled) ;;
        complete:0 | retry-hosts:0) offered=$(__maintenancectl_windows in-progress) ;;
        update:0) offered=$(__maintenancectl_windows scheduled in-progress) ;;
        host-maintenance:0) offered=$(__maintenancectl_hosts) ;;
        host-maintenance:1) offered='on off' ;;
    esac
    COMPREPLY=($(compgen -W "$offered" -- "$cur"))
} &&
    complete -F _maintenancectl maintenancectl

# ex: filetype=sh
