#!/usr/bin/env bash
# The RPC handler contract is enforced by the compiler (daemon/control/
# dispatch.h): a handler that forgets to answer, or drops the answer of
# rpc_ok/rpc_fail/rpc_pending/rpc_params_str, does not compile with the
# project's flags; a correct handler does.  (Answering twice aborts at run
# time: tests/unit/test_rpc.c test_handler_contract.)
set -u
cd "$(dirname "$0")/../.."
CC=${CC:-cc}
FLAGS="-std=gnu11 -Wall -Wextra -Werror -Icommon -Idaemon/control $(pkg-config --cflags jansson)"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fail=0

try() {  # name, expect (ok|error), handler body
  local name=$1 expect=$2 body=$3
  printf '#include "dispatch.h"\nstatic struct rpc_result h(struct rpc_call *c, json_t *p)\n{\n%s\n}\nconst struct rpc_cmd t = {.name = "t", .fn = h};\n' \
    "$body" >"$tmp/$name.c"
  if $CC $FLAGS -c "$tmp/$name.c" -o "$tmp/$name.o" 2>"$tmp/$name.err"; then got=ok; else got=error; fi
  if [ "$got" = "$expect" ]; then
    echo "ok   $name ($got)"
    [ "$got" = error ] && grep -m1 -o 'error: .*' "$tmp/$name.err" | sed 's/^/       /'
  else
    echo "FAIL $name: expected $expect, got $got"; cat "$tmp/$name.err"; fail=1
  fi
}

try good ok '    (void)p; return rpc_ok(c, json_true());'
try good_pending ok '    (void)p; struct rpc_result r = rpc_pending(c); rpc_was_pending(rpc_ok(c, NULL)); return r;'
try good_params ok '    const char *a; static const char *const n[] = {"task"};
    if (!rpc_params_str(c, p, n, 1, &a)) return rpc_param_failed(c);
    return rpc_fail(c, RPC_ERR_UNKNOWN_TASK, a);'
try forgets_to_answer error '    (void)p; (void)c;'
try returns_nothing error '    (void)p; (void)c; return;'
try drops_ok error '    (void)p; rpc_ok(c, json_true()); return rpc_pending(c);'
try drops_fail error '    (void)p; rpc_fail(c, -32603, NULL); return rpc_pending(c);'
try drops_pending error '    (void)p; rpc_pending(c); return rpc_ok(c, NULL);'
try ignores_params error '    const char *a; static const char *const n[] = {"task"};
    rpc_params_str(c, p, n, 1, &a); return rpc_ok(c, NULL);'
# a handler of the old shape (void, answers by side effect) is refused by the table
try old_void_handler error '    (void)p; return rpc_ok(c, NULL);
}
static void old(struct rpc_call *c, json_t *p) { (void)p; (void)c; }
const struct rpc_cmd o = {.name = "o", .fn = old};
void tail_of_test(void);
void tail_of_test(void)
{'
[ $fail -eq 0 ] && echo "all passed"
exit $fail
