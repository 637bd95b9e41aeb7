"""mmdrun — the real mmd against a real standx-sim (tests/lib/sim.py), for
the e2e suites and the bench.

    with sim.scenario("calm", seed=5) as s:
        creds = s.mint("alice")
        t = mmdrun.task("btc", "BTC-USD", "alice", risk=mmdrun.guards_off())
        with mmdrun.Mmd(s, [t], {"alice": creds}) as d:
            d.wait_quoting("btc")
            st = d.rpc("status")

* ``task(...)`` — one task entry of the config; ``GUARDS_OFF`` /
  ``guards_off(**overrides)`` — the risk settings of a task whose guards
  must not get in the way of what a test looks at.
* ``Mmd`` — writes the config (0600, private temp dir), runs the daemon
  (log in a file: ``log()``, ``log_tail()``; ``MMD_VALGRIND=1`` runs it
  under valgrind), ``rpc(method, params)`` over the control socket (through
  ``rpc.call``), ``task_status(id)``.  ``stop()`` sends SIGTERM and kills
  after a timeout, so no process outlives a test.
* ``two_sided(orders, tiers=1)`` — the one "both sides resting" predicate;
  ``Mmd.orders(id)`` is a task's resting orders at the simulator,
  ``Mmd.quoting(id, tiers)`` those orders if two-sided, and
  ``Mmd.wait_quoting(*ids, tiers, timeout)`` waits until every task is.
* ``account_orders``, ``account_position``, ``sent_order_ids`` — what the
  simulator holds / received for an account.
"""
import collections
import json
import os
import shutil
import signal
import subprocess
import tempfile

import rpc as rpclib
from harness import WaitTimeout, binary, read_text, wait_for

# Risk settings that keep the price-jump, fill-rate and position guards out of
# the way; a test of one guard overrides just that one (guards_off(**kw)).
GUARDS_OFF = {"price_jump_threshold_bps": 1000, "max_fills_per_minute": 1000, "max_position_usd": "1000000"}


def guards_off(**overrides):
    """A copy of GUARDS_OFF with overrides, e.g. guards_off(halt_cooldown_s=1)."""
    r = dict(GUARDS_OFF)
    r.update(overrides)
    return r


def task(tid, symbol, account, base_qty=None, tiers=2, level="aggressive", risk=None, strategy=None,
         shutdown=None):
    """A task entry for Mmd(); risk/strategy/shutdown are dicts of overrides."""
    if base_qty is None:
        base_qty = {"BTC-USD": "0.01", "ETH-USD": "0.1", "SOL-USD": "1"}.get(symbol, "1")
    r = {"level": level}
    r.update(risk or {})
    return {"id": tid, "symbol": symbol, "account": account, "sizing": {"base_qty": base_qty, "tiers": tiers},
            "risk": r, "strategy": strategy or {}, "shutdown": shutdown or {}}


def _yaml_scalar(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, list):
        return "[" + ", ".join(_yaml_scalar(x) for x in v) + "]"
    return json.dumps(str(v))


def _yaml_map(d, indent):
    out = []
    for k, v in d.items():
        if isinstance(v, dict):
            if not v:
                continue
            out.append(" " * indent + "%s:" % k)
            out.extend(_yaml_map(v, indent + 2))
        else:
            out.append(" " * indent + "%s: %s" % (k, _yaml_scalar(v)))
    return out


def config_text(sim, tasks, accounts, socket_path, log_level="info", state_dir=None, exchange=None):
    lines = ["exchange:", '  rest_url: "%s"' % sim.base_url, '  ws_url: "ws://127.0.0.1:%d"' % sim.port]
    lines += ["  %s: %s" % (k, _yaml_scalar(v)) for k, v in (exchange or {}).items()]
    lines += ["control:", '  socket: "%s"' % socket_path, "log:", '  level: "%s"' % log_level]
    if state_dir:
        lines += ["state:", '  dir: "%s"' % state_dir]
    lines.append("accounts:")
    for name, c in accounts.items():
        lines += ['  - id: "%s"' % name, '    jwt_token: "%s"' % c.jwt, '    signing_key: "%s"' % c.key]
    lines.append("tasks:")
    for t in tasks:
        body = _yaml_map(t, 4)
        body[0] = "  - " + body[0].lstrip()
        lines += body
    return "\n".join(lines) + "\n"


RpcError = rpclib.RpcError


class Mmd:
    def __init__(self, sim, tasks, accounts, log_level="info", env=None, args=(), output=None,
                 shell=None, state_dir=None, exchange=None):
        """output: a file descriptor for the daemon's stdout and stderr instead of
        the log file (then log() is empty); shell: a /bin/sh snippet that starts
        the daemon as "$@" (e.g. 'exec "$@" 2>&-' to start it with stderr closed);
        state_dir: the daemon's state directory (account locks), by default
        one of its own in its temp dir; exchange: more keys of the exchange
        section (e.g. {"order_entry": "rest"})."""
        self.sim, self.tasks, self.accounts, self.exchange = sim, tasks, accounts, exchange
        self.output, self.shell = output, shell
        self.dir = tempfile.mkdtemp(prefix="mmd-e2e-")
        os.chmod(self.dir, 0o700)
        self.sock = os.path.join(self.dir, "mmd.sock")
        self.cfg = os.path.join(self.dir, "mmd.yaml")
        self.log_path = os.path.join(self.dir, "mmd.log")
        self.log_level, self.env, self.args = log_level, env, list(args)
        self.state_dir = state_dir or os.path.join(self.dir, "state")
        self.proc = None
        self.rc = None
        self._id = 0

    def write_config(self):
        fd = os.open(self.cfg, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(config_text(self.sim, self.tasks, self.accounts, self.sock, self.log_level, self.state_dir,
                                self.exchange))

    def start(self, wait=True):
        self.write_config()
        env = dict(os.environ)
        env.update(self.env or {})
        self._log = open(self.log_path, "a")
        wrap = []
        if os.environ.get("MMD_VALGRIND"):      # run the daemon under valgrind (leaks = failure)
            wrap = ["valgrind", "--quiet", "--leak-check=full", "--show-leak-kinds=definite,indirect",
                    "--errors-for-leak-kinds=definite,indirect", "--error-exitcode=99",
                    "--log-file=" + os.path.join(self.dir, "valgrind.log")]
            self.valgrind_log = os.path.join(self.dir, "valgrind.log")
        if self.shell:
            wrap = ["sh", "-c", self.shell, "sh"] + wrap
        out = self._log if self.output is None else self.output
        self.proc = subprocess.Popen(wrap + [binary("mmd"), "-c", self.cfg] + self.args,
                                     stdout=out, stderr=out, env=env)
        if wait:
            try:
                wait_for(self._answers, 60 if wrap else 10, 0.05, what="mmd's control socket answering")
            except WaitTimeout:
                self.stop()
                raise RuntimeError("mmd control socket did not answer:\n" + self.log())
        return self

    def _answers(self):
        if self.proc.poll() is not None:
            raise RuntimeError("mmd exited with %s:\n%s" % (self.proc.returncode, self.log()))
        try:
            self.rpc("version", timeout=1)
            return True
        except (OSError, RpcError):
            return False

    def stop(self, sig=signal.SIGTERM, timeout=40.0):
        """Signal, wait (bounded), kill if needed.  Returns the exit code."""
        if not self.proc:
            return self.rc
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.rc = self.proc.returncode
        self.proc = None
        self._log.close()
        return self.rc

    def kill9(self):
        """SIGKILL: the daemon gets no chance to cancel its orders."""
        return self.stop(signal.SIGKILL, 5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        self.cleanup(failed=exc[0] is not None)

    def cleanup(self, failed=False):
        """Removes the temp dir (config, socket, log) unless MMD_KEEP_TMP is set
        or the test failed (then the log is worth keeping: its path is printed)."""
        if os.environ.get("MMD_KEEP_TMP") or failed:
            print("mmd files kept in %s" % self.dir)
            return
        shutil.rmtree(self.dir, ignore_errors=True)

    def log(self):
        return read_text(self.log_path)

    def log_tail(self, n=3000):
        """The last n characters of the daemon's log."""
        return self.log()[-n:]

    # -- control socket --
    def rpc(self, method, params=None, timeout=15.0):
        """The result of one JSON-RPC call (rpc.call); RpcError on an error reply."""
        return rpclib.call(self.sock, method, params, timeout)

    def task_status(self, tid):
        """The task's entry in the `status` reply."""
        return _by_id(self.rpc("status")["tasks"], tid)

    # -- what the simulator holds for a task --
    def orders(self, tid):
        """The task's resting orders at the simulator (client ids 'TID-...')."""
        t = _by_id(self.tasks, tid)
        return account_orders(self.sim, self.accounts[t["account"]], t["symbol"], tid + "-")[0]

    def quoting(self, tid, tiers=1):
        """The task's resting orders if two_sided(them, tiers), else None."""
        o = self.orders(tid)
        return o if two_sided(o, tiers) else None

    def wait_quoting(self, *tids, tiers=1, timeout=15.0):
        """Waits until every task in tids is two_sided at once; WaitTimeout
        (with the orders seen last and the daemon's log tail) otherwise."""
        return wait_for(lambda: {tid: self.orders(tid) for tid in tids}, timeout,
                        what="%s quoting both sides (%d tier(s))" % (", ".join(tids), tiers),
                        until=lambda seen: all(two_sided(o, tiers) for o in seen.values()),
                        detail=self.log_tail)


def _by_id(items, tid):
    for x in items:
        if x["id"] == tid:
            return x
    raise KeyError(tid)


def two_sided(orders, tiers=1):
    """The one "both sides resting" predicate: at least 2 x tiers orders,
    bids and asks among them."""
    return len(orders) >= 2 * tiers and {o["side"] for o in orders} == {"buy", "sell"}


def account_orders(sim, creds, symbol=None, prefix=None):
    """Live orders of one account at the simulator (from /_sim/state)."""
    addr = creds.claims().get("address")
    st = sim.state()
    acct = st["accounts"].get(addr) or {}
    out = []
    for o in acct.get("open_orders", []):
        if symbol and o["symbol"] != symbol:
            continue
        if prefix and not o.get("cl_ord_id", "").startswith(prefix):
            continue
        out.append(o)
    return out, st


def account_position(st, creds, symbol):
    addr = creds.claims().get("address")
    for p in (st["accounts"].get(addr) or {}).get("positions", []):
        if p["symbol"] == symbol:
            return float(p["qty"])
    return 0.0


_REST_OPS = {"POST /api/new_order": "new", "POST /api/cancel_order": "cancel",
             "POST /api/cancel_orders": "cancel_many"}
_WS_OPS = {"order:new": "new", "order:cancel": "cancel"}


def order_requests(sim, lines=None):
    """Every order and cancel request that reached the simulator (its --log
    file), over REST or the ws-api session, in arrival order: dicts with
    ts_us, via ("rest" | "ws-api"), op ("new" | "cancel" | "cancel_many"),
    conn, rid (x-request-id / request_id when known), params (the order or
    cancel body as a dict) and cl_ord_id ("" when cancelled by order id)."""
    out = []
    for line in lines if lines is not None else sim.log_lines():
        if line.get("dir") != "in":
            continue
        try:
            if line.get("kind") == "ws-api":
                frame = json.loads(line.get("body") or "")
                op = _WS_OPS.get(frame.get("method"))
                if not op:
                    continue
                params, via, rid = json.loads(frame.get("params") or "{}"), "ws-api", frame.get("request_id")
            else:
                op = _REST_OPS.get(line.get("path"))
                if not op:
                    continue
                params, via, rid = json.loads(line.get("body") or "{}"), "rest", None
        except (ValueError, AttributeError, TypeError):
            continue
        out.append({"ts_us": line.get("ts_us", 0), "via": via, "op": op, "conn": line.get("conn"),
                    "rid": rid, "params": params, "cl_ord_id": params.get("cl_ord_id") or ""})
    return out


def sent_order_ids(sim):
    """How many times each cl_ord_id reached the simulator in a new order
    request, REST or ws-api (from its --log file): a value above 1 is a
    duplicate order."""
    return collections.Counter(r["cl_ord_id"] for r in order_requests(sim) if r["op"] == "new")
