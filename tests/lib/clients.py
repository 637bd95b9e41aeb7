"""clients — the operator programs as a person runs them: ``mmctl(...)`` (one
run, captured) and ``Tmux`` (mmtop, or any command, in a private tmux server
so the screen can be read and keys sent).

    with clients.Tmux("%s -s %s" % (binary("mmtop"), sock)) as t:
        t.wait_screen(lambda s: "btc-1" in s)
        t.keys("h")

Every run is bounded; the tmux server is always killed.
"""
import os
import subprocess

from harness import binary, wait_for


def mmctl(*args, sock=None, env=None, timeout=20):
    """Runs build/mmctl [-s SOCK] ARGS with MMD_SOCKET removed from the
    environment (then `env` added); returns the CompletedProcess (text)."""
    e = dict(os.environ)
    e.pop("MMD_SOCKET", None)
    e.update(env or {})
    argv = [binary("mmctl")] + (["-s", sock] if sock else []) + list(args)
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=e)


class Tmux:
    """A private tmux server (-L) with one session 't' of width x height
    running `command` (then `sleep 30`, so the pane outlives it)."""

    def __init__(self, command, width=100, height=30):
        self.server = "mmd-test-%d" % os.getpid()
        self("new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height),
             "env TERM=xterm-256color %s; sleep 30" % command)

    def __call__(self, *args, check=True):
        return subprocess.run(["tmux", "-L", self.server] + list(args), capture_output=True, text=True,
                              timeout=10, check=check)

    def screen(self):
        """The pane's text as captured now."""
        return self("capture-pane", "-p", "-t", "t").stdout

    def keys(self, *keys):
        self("send-keys", "-t", "t", *keys)

    def resize(self, width, height, check=True):
        self("resize-window", "-t", "t", "-x", str(width), "-y", str(height), check=check)

    def wait_screen(self, pred, timeout=6.0, interval=0.1):
        """The first screen for which pred(screen) is true (WaitTimeout shows the last one)."""
        return wait_for(self.screen, timeout, interval, what="a screen matching %s" % getattr(
            pred, "__name__", "the predicate"), until=pred)

    def kill(self):
        self("kill-server", check=False)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.kill()
