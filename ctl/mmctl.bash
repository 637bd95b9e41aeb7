# mmctl(8) bash completion, installed by `make install` as
# PREFIX/share/bash-completion/completions/mmctl.  Completes the options,
# the command names (asked from `mmctl --commands`, so a command added to
# ctl/mmctl.c's table completes without editing this file), socket paths
# after -s, and task ids (asked from the running daemon with `mmctl -j
# tasks`, on the socket given with -s if any) after the commands that take
# one.

_mmctl_tasks()
{
    local json
    json=$("$1" "${@:2}" -j -t 2 tasks 2>/dev/null) || return
    printf '%s\n' "$json" | sed -n 's/^ *"id": "\([^"]*\)".*/\1/p'
}

_mmctl()
{
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
    local i cmd="" sockopt=()
    COMPREPLY=()
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
        -s|--socket) sockopt=(-s "${COMP_WORDS[i+1]}"); ((i++)) ;;
        -t|--timeout) ((i++)) ;;
        -*) ;;
        *) cmd=${COMP_WORDS[i]}; break ;;
        esac
    done
    case $prev in
    -s|--socket) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    -t|--timeout) return ;;
    esac
    if [[ -z $cmd ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W '-j --json -s --socket -t --timeout -h --help -V --version' -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" --commands 2>/dev/null)" -- "$cur"))
        fi
        return
    fi
    # the task argument is the first word after the command
    [[ $prev == "$cmd" ]] || return
    case $cmd in
    orders|positions|uptime|resume)
        COMPREPLY=($(compgen -W "$(_mmctl_tasks "${COMP_WORDS[0]}" "${sockopt[@]}")" -- "$cur")) ;;
    halt)
        COMPREPLY=($(compgen -W "all $(_mmctl_tasks "${COMP_WORDS[0]}" "${sockopt[@]}")" -- "$cur")) ;;
    esac
}
complete -F _mmctl mmctl
