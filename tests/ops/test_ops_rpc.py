#!/usr/bin/env python3
"""e2e operator RPCs and monitoring exits against the real mmd and
standx-sim:
* mmctl check: exit 0 and "MMD OK" while every task quotes and is safe,
  1 and "MMD WARNING" naming the halted task, 2 and "MMD CRITICAL" when mmd
  cannot be reached; one line each.
* mmctl reload: a changed task is reported changed (exit 0); an invalid file
  is refused with the file's error and the running configuration kept
  (exit 1); a change that needs a restart (metrics.listen) is refused and
  says so.
* mmctl log-level: shows the level, sets debug (debug lines appear in the
  log), refuses a bad level naming the allowed ones.
* control.readonly_socket: mode 0660, read-only methods answer, halt,
  resume, reload, log-level and shutdown answer -1201 and change nothing;
  as root, a member of the socket's group running as another user
  (`nobody`) uses it with mmctl (status, check) while the control socket
  stays closed to that user.
The simulator runs --profile ideal: quoting within seconds; nothing here
depends on market-data pacing."""
import grp
import os
import pwd
import shutil
import stat
import subprocess
import tempfile

import mmdrun
import opsmmd
import sim
from clients import mmctl
from harness import binary, main, require, wait_for
from rpc import RpcError, call


def test_ops():
    with sim.scenario("calm", seed=41, args=["--profile", "ideal"]) as s:
        c = s.mint("ops")
        tasks = [mmdrun.task("o-btc", "BTC-USD", "a", tiers=1, risk=mmdrun.guards_off()),
                 mmdrun.task("o-eth", "ETH-USD", "a", tiers=1, risk=mmdrun.guards_off())]
        d = opsmmd.Mmd(s, tasks, {"a": c})
        top = tempfile.mkdtemp(prefix="mmd-ro-")   # 0700 by default: opened below for `nobody`
        os.chmod(top, 0o755)
        ro = os.path.join(top, "ro", "mmd-ro.sock")
        d.control = '  readonly_socket: "%s"\n' % ro
        with d:
            d.wait_quoting("o-btc", "o-eth", timeout=20)
            check_exits(d)
            readonly(d, ro)
            log_level(d)
            reload(d)
        shutil.rmtree(top, ignore_errors=True)


def check_exits(d):
    p = wait_for(lambda: mmctl("check", sock=d.sock), 15, what="mmctl check exit 0",
                 until=lambda p: p.returncode == 0, detail=lambda: p.stdout)
    assert p.stdout.startswith("MMD OK - 2/2 task(s) quoting and safe") and p.stdout.count("\n") == 1, p.stdout
    print(p.stdout.strip())
    assert mmctl("halt", "o-btc", "check test", sock=d.sock).returncode == 0
    p = mmctl("check", sock=d.sock)
    assert p.returncode == 1 and p.stdout.startswith("MMD WARNING - 1/2") and "o-btc halted" in p.stdout, p.stdout
    assert p.stdout.count("\n") == 1, p.stdout
    print(p.stdout.strip())
    assert mmctl("resume", "o-btc", sock=d.sock).returncode == 0
    p = mmctl("check", sock=os.path.join(d.dir, "nope.sock"))
    assert p.returncode == 2 and p.stdout.startswith("MMD CRITICAL - ") and "nope.sock" in p.stdout, p.stdout
    print(p.stdout.strip())
    assert mmctl("check", "extra", sock=d.sock).returncode == 3


def readonly(d, ro):
    st = os.stat(ro)
    assert stat.S_IMODE(st.st_mode) == 0o660, oct(st.st_mode)
    assert stat.S_IMODE(os.stat(os.path.dirname(ro)).st_mode) == 0o750
    for m in ("version", "status", "tasks", "orders", "positions", "uptime", "help", "metrics"):
        call(ro, m)
    for m, params in (("halt", {"task": "o-eth"}), ("resume", None), ("reload", None),
                      ("log-level", {"level": "debug"}), ("shutdown", None)):
        try:
            call(ro, m, params)
            raise AssertionError("%s answered on the read-only socket" % m)
        except RpcError as e:
            assert e.code == -1201 and "read-only" in e.message, (m, e)
    assert d.quoting("o-eth") and d.proc.poll() is None
    p = mmctl("check", sock=ro)
    assert p.returncode == 0, p.stdout
    p = mmctl("halt", "o-eth", sock=ro)
    assert p.returncode == 1 and "-1201" in p.stderr, p.stderr
    print("read-only socket: 0660, read-only methods answer, the others -1201")
    if os.geteuid() == 0:
        as_group_member(d, ro)


def as_group_member(d, ro):
    """`nobody`, given the socket's group, reads status through the read-only
    socket; the control socket (0600, in a 0700 directory) stays closed."""
    uid, gid = pwd.getpwnam("nobody").pw_uid, grp.getgrnam("nogroup").gr_gid
    os.chown(os.path.dirname(ro), -1, gid)
    os.chown(ro, -1, gid)

    def drop():
        os.setgroups([gid])
        os.setgid(gid)
        os.setuid(uid)

    def mmctl_nobody(*args):
        env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}
        return subprocess.run([binary("mmctl")] + list(args), capture_output=True, text=True, timeout=20,
                              env=env, preexec_fn=drop)
    p = mmctl_nobody("-s", ro, "check")
    assert p.returncode == 0 and p.stdout.startswith("MMD OK"), (p.returncode, p.stdout, p.stderr)
    p = mmctl_nobody("-s", ro, "-j", "status")
    assert p.returncode == 0 and '"o-btc"' in p.stdout, (p.returncode, p.stderr)
    p = mmctl_nobody("-s", ro, "shutdown")
    assert p.returncode == 1 and "-1201" in p.stderr, (p.returncode, p.stderr)
    p = mmctl_nobody("-s", d.sock, "status")
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
    print("nobody (group nogroup): read-only socket answers status/check, refuses shutdown; control socket: %s"
          % p.stderr.strip())


def log_level(d):
    p = mmctl("log-level", sock=d.sock)
    assert p.returncode == 0 and p.stdout.strip() == "log level info", p.stdout
    p = mmctl("log-level", "debug", sock=d.sock)
    assert p.returncode == 0 and p.stdout.strip() == "log level debug (was info)", p.stdout
    wait_for(lambda: " debug " in d.log(), 10, what="debug lines in the log")
    p = mmctl("log-level", "loud", sock=d.sock)
    assert p.returncode == 1 and "debug, info, warn, error" in p.stderr, p.stderr
    p = mmctl("-j", "log-level", "info", sock=d.sock)
    assert p.returncode == 0 and '"previous": "debug"' in p.stdout, p.stdout
    print("log-level: info -> debug -> info; 'loud' refused")


def reload(d):
    # a changed task: 1 -> 2 tiers
    d.tasks[1]["sizing"]["tiers"] = 2
    d.write_config()
    p = mmctl("reload", sock=d.sock)
    assert p.returncode == 0 and "applied" in p.stdout and "tasks changed: o-eth" in p.stdout, p.stdout + p.stderr
    print(p.stdout.strip())
    # an invalid file: refused with its error, the running configuration kept
    with open(d.cfg, "a") as f:
        f.write("bogus_key: 1\n")
    p = mmctl("reload", sock=d.sock)
    assert p.returncode == 1 and "NOT applied" in p.stdout and "bogus_key" in p.stdout, p.stdout
    print(p.stdout.strip())
    # a change that needs a restart
    d.write_config()
    with open(d.cfg, "a") as f:
        f.write('metrics:\n  listen: "127.0.0.1:%d"\n' % opsmmd.free_port())
    r = d.rpc("reload")
    assert r["applied"] is False and any("restart" in x for x in r["refused"]), r
    d.write_config()
    assert d.rpc("reload")["applied"] is True
    d.wait_quoting("o-btc", "o-eth", timeout=15)
    print("reload: changed / invalid / needs-restart reported")


if __name__ == "__main__":
    require("mmd", "mmctl", "standx-sim")
    main(test_ops)
