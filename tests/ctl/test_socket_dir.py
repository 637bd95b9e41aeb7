#!/usr/bin/env python3
"""Control socket directory checks (issue "Hostile testing", F6), as tmux
does them.  The daemon (build/tools/fakemmd: the real control.c) refuses a
socket directory it does not own, one writable by group or others, or a
symlink; mmctl (common/rpc.c) refuses to send anything through a socket in
such a directory, or to a peer that runs as neither its euid nor root —
except root with an explicit -s/MMD_SOCKET path, which may reach another
user's daemon in that user's own private directory.  A fake "daemon"
written here records every byte it receives: nothing may reach it.

Needs root (CI runs as root) to chown directories to `nobody`; skipped
otherwise."""
import os
import pwd
import shutil
import subprocess
import sys
import tempfile

from fakemmd import FAKEMMD, Fake
from harness import binary, finish, run

MMCTL = binary("mmctl")
# a python that `nobody` may run (ours may live under /root)
PY = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable

# A hostile "mmd": listens on argv[1], prints every byte it receives and
# answers any request with a plausible halt result.
FAKE_SERVER = r'''
import json, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1]); os.chmod(sys.argv[1], 0o777); s.listen(4)
print("ready", flush=True)
while True:
    c, _ = s.accept(); c.settimeout(2); data = b""
    try:
        while b"\n" not in data:
            d = c.recv(65536)
            if not d: break
            data += d
    except OSError:
        pass
    if data:
        print("GOT " + data.decode(errors="replace").strip(), flush=True)
        try:
            i = json.loads(data.split(b"\n")[0]).get("id")
            c.sendall((json.dumps({"jsonrpc": "2.0", "id": i, "result":
                       {"halted": ["btc-1"], "orders_settled": True}}) + "\n").encode())
        except (ValueError, OSError, AttributeError):
            pass
    c.close()
'''


def nobody():
    p = pwd.getpwnam("nobody")
    return p.pw_uid, p.pw_gid


class World:
    """A temp dir others may traverse (0711); removed at the end."""

    def __init__(self):
        self.top = tempfile.mkdtemp(prefix="mmdsockdir-")
        os.chmod(self.top, 0o711)
        self.procs = []

    def mkdir(self, name, mode, owner=None):
        d = os.path.join(self.top, name)
        os.mkdir(d)
        os.chmod(d, mode)
        if owner is not None:
            os.chown(d, *owner)
        return d

    def server(self, path, as_nobody=False):
        """Starts the hostile server on path (as nobody if asked)."""
        def drop():
            uid, gid = nobody()
            os.setgid(gid)
            os.setuid(uid)
        p = subprocess.Popen([PY, "-c", FAKE_SERVER, path], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, preexec_fn=drop if as_nobody else None)
        self.procs.append(p)
        line = p.stdout.readline()
        assert line.strip() == b"ready", line
        return p

    def received(self, p):
        """Stops server p and returns what it printed (GOT lines)."""
        p.kill()
        out = p.stdout.read().decode()
        p.wait(5)
        return [ln for ln in out.splitlines() if ln.startswith("GOT")]

    def cleanup(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait(5)
            p.stdout.close()
        shutil.rmtree(self.top, ignore_errors=True)


def mmctl(args, env_extra=None, unset=()):
    env = dict(os.environ)
    for k in unset:
        env.pop(k, None)
    env.update(env_extra or {})
    r = subprocess.run([MMCTL] + args, capture_output=True, text=True, timeout=20, env=env)
    print("     mmctl %s -> %d %s%s" % (" ".join(args), r.returncode, r.stdout.strip(),
                                          r.stderr.strip()))
    return r


def daemon_refuses(path, *words):
    """fakemmd on path must exit non-zero, its error naming words."""
    p = subprocess.Popen([FAKEMMD, "-s", path], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    try:
        out, err = p.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate(timeout=5)
        raise AssertionError("fakemmd accepted the socket directory of %s" % path)
    err = out + err
    print("     fakemmd: rc %d: %s" % (p.returncode, err.strip().splitlines()[-1:] if err else ""))
    assert p.returncode != 0, err
    assert not os.path.exists(path), "a socket was created at %s" % path
    for w in words:
        assert w in err, (w, err)


def test_daemon_refuses_foreign_dir():
    w = World()
    try:
        d = w.mkdir("hostile", 0o777, nobody())
        daemon_refuses(os.path.join(d, "mmd.sock"), d, "uid %d" % nobody()[0], "0777")
        d2 = w.mkdir("nobodys", 0o700, nobody())
        daemon_refuses(os.path.join(d2, "mmd.sock"), d2, "uid %d" % nobody()[0])
    finally:
        w.cleanup()


def test_daemon_refuses_group_writable_dir():
    w = World()
    try:
        d = w.mkdir("shared", 0o770)
        daemon_refuses(os.path.join(d, "mmd.sock"), d, "0770")
        d2 = w.mkdir("sticky", 0o1777)
        daemon_refuses(os.path.join(d2, "mmd.sock"), d2)
    finally:
        w.cleanup()


def test_daemon_refuses_symlink_dir():
    w = World()
    try:
        real = w.mkdir("real", 0o700)
        link = os.path.join(w.top, "link")
        os.symlink(real, link)
        daemon_refuses(os.path.join(link, "mmd.sock"), link, "symlink")
    finally:
        w.cleanup()


def test_daemon_accepts_private_and_0755_dir():
    w = World()
    try:
        for name, mode in (("priv", 0o700), ("pub", 0o755)):
            d = w.mkdir(name, mode)
            f = Fake(path=os.path.join(d, "mmd.sock"))
            try:
                f.start()
            finally:
                f.cleanup()
    finally:
        w.cleanup()


def test_mmctl_refuses_hostile_dir():
    """The finding: nobody's 0777 directory with a fake socket in it."""
    w = World()
    try:
        d = w.mkdir("hostile", 0o777, nobody())
        sock = os.path.join(d, "mmd.sock")
        srv = w.server(sock, as_nobody=True)
        r = mmctl(["-s", sock, "halt", "all", "emergency"])
        r2 = mmctl(["halt", "all", "emergency"], {"MMD_SOCKET": sock})
        got = w.received(srv)
        assert not got, "the request reached the hostile server: %s" % got
        for x in (r, r2):
            assert x.returncode == 2, x.returncode
            assert "halted" not in x.stdout, x.stdout
            assert d in x.stderr and "0777" in x.stderr, x.stderr
    finally:
        w.cleanup()


def test_mmctl_refuses_foreign_default_dir():
    """Default path ($XDG_RUNTIME_DIR/mmd.sock) in a directory of another
    user, even a private one: refused (strict rule for the default path)."""
    w = World()
    try:
        d = w.mkdir("xdg", 0o700, nobody())
        sock = os.path.join(d, "mmd.sock")
        srv = w.server(sock, as_nobody=True)
        r = mmctl(["halt", "all", "emergency"], {"XDG_RUNTIME_DIR": d}, unset=("MMD_SOCKET",))
        got = w.received(srv)
        assert not got, got
        assert r.returncode == 2 and d in r.stderr, r
        assert "uid %d" % nobody()[0] in r.stderr, r.stderr
    finally:
        w.cleanup()


def test_mmctl_refuses_foreign_peer():
    """Our own private directory, but the socket in it is served by nobody:
    SO_PEERCRED shows a peer that is neither us nor root."""
    w = World()
    try:
        scratch = w.mkdir("scratch", 0o777)
        tmp_sock = os.path.join(scratch, "mmd.sock")
        srv = w.server(tmp_sock, as_nobody=True)
        d = w.mkdir("mine", 0o700)
        sock = os.path.join(d, "mmd.sock")
        os.rename(tmp_sock, sock)
        r = mmctl(["-s", sock, "halt", "all", "emergency"])
        got = w.received(srv)
        assert not got, got
        assert r.returncode == 2 and "peer" in r.stderr and str(nobody()[0]) in r.stderr, r
    finally:
        w.cleanup()


def test_root_reaches_other_users_daemon_explicitly():
    """The legitimate case: root names another user's socket with -s; the
    directory is that user's and private, the daemon runs as that user."""
    w = World()
    try:
        d = w.mkdir("alice", 0o700, nobody())
        sock = os.path.join(d, "mmd.sock")
        srv = w.server(sock, as_nobody=True)
        r = mmctl(["-s", sock, "halt", "all", "emergency"])
        got = w.received(srv)
        assert r.returncode == 0 and "btc-1" in r.stdout, r
        assert got and "halt" in got[0], got
    finally:
        w.cleanup()


def test_mmtop_refuses_hostile_dir():
    """mmtop never talks through the hostile socket and says why."""
    from clients import Tmux
    w = World()
    try:
        d = w.mkdir("hostile", 0o777, nobody())
        sock = os.path.join(d, "mmd.sock")
        srv = w.server(sock, as_nobody=True)
        with Tmux("%s -s %s" % (binary("mmtop"), sock)) as t:
            scr = t.wait_screen(lambda x: "unsafe socket directory" in x, 8)
            assert "disconnected" in scr, scr
            t.keys("q")
        got = w.received(srv)
        assert not got, got
    finally:
        w.cleanup()


def test_mmctl_refuses_symlink_dir():
    w = World()
    try:
        real = w.mkdir("real", 0o700)
        f = Fake(path=os.path.join(real, "mmd.sock")).start()
        try:
            link = os.path.join(w.top, "link")
            os.symlink(real, link)
            r = mmctl(["-s", os.path.join(link, "mmd.sock"), "version"])
            assert r.returncode == 2 and "symlink" in r.stderr, r
            r = mmctl(["-s", f.path, "version"])
            assert r.returncode == 0, r
        finally:
            f.cleanup()
    finally:
        w.cleanup()


if __name__ == "__main__":
    if os.geteuid() != 0:
        print("skip: needs root to chown directories to nobody")
        sys.exit(0)
    for t in (test_daemon_refuses_foreign_dir, test_daemon_refuses_group_writable_dir,
              test_daemon_refuses_symlink_dir, test_daemon_accepts_private_and_0755_dir,
              test_mmctl_refuses_hostile_dir, test_mmctl_refuses_foreign_default_dir,
              test_mmctl_refuses_foreign_peer, test_mmtop_refuses_hostile_dir, test_root_reaches_other_users_daemon_explicitly,
              test_mmctl_refuses_symlink_dir):
        run(t)
    finish()
