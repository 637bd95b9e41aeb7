"""harness — how every Python suite waits, checks and reports.

tests/run.sh puts tests/lib on PYTHONPATH, so a suite just imports::

    from harness import check, main, wait_for

* ``REPO``, ``build_dir()``, ``binary(name)``, ``require(*names)`` — where
  the built programs are (``$MMD_BUILD`` or ``<repo>/build``); ``require``
  exits 1 naming a program that is not built; ``read_text(path)``.
* ``wait_for(probe, timeout, interval, what, until, detail)`` — the one
  bounded poll.  Returns the first satisfying value of ``probe()``; on
  timeout raises ``WaitTimeout`` (an AssertionError) saying what was awaited
  and the last value seen.
* ``check(cond, what)`` — a soft assertion: prints ``ok``/``FAIL`` and lets
  the suite go on; the failure is counted.
* ``run(fn, *args)`` — runs one test function (an exception or a failed
  ``check`` inside it fails it) and prints one line with its duration.
* ``finish()`` — prints the summary, exits 1 if anything failed;
  ``main(*tests)`` runs each test then finishes.

Standard library only.
"""
import os
import sys
import time
import traceback

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def build_dir():
    """Absolute path of the build directory ($MMD_BUILD or <repo>/build)."""
    b = os.environ.get("MMD_BUILD") or os.path.join(REPO, "build")
    return b if os.path.isabs(b) else os.path.join(REPO, b)


def binary(name):
    """Path of a built program: 'standx-sim', 'mmd', 'tools/sxsign', ..."""
    return os.path.join(build_dir(), name)


def require(*names):
    """Exits 1 unless every named program (as for binary()) is built."""
    for n in names:
        if not os.access(binary(n), os.X_OK):
            print("missing %s (run make first)" % binary(n))
            sys.exit(1)


def read_text(path):
    """The contents of a file, or "" if it cannot be read."""
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


class WaitTimeout(AssertionError):
    """wait_for() gave up: the message names what was awaited and the last value."""


def _short(v, n=1500):
    if isinstance(v, str) and "\n" in v:      # a screen, a log: show it as it is
        return "\n" + v[-n:]
    s = repr(v)
    return s if len(s) <= n else s[:n] + "..."


def wait_for(probe, timeout=10.0, interval=0.1, what=None, until=None, detail=None):
    """Polls probe() every `interval` s until its value satisfies `until`
    (default: is truthy) and returns that value.  After `timeout` s raises
    WaitTimeout: "timed out after T s waiting for WHAT; last value: V", plus
    detail() (e.g. a daemon's log tail) when given."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:      # no probe starts after the deadline
        last = probe()
        if (until(last) if until else last):
            return last
        time.sleep(interval)
    msg = "timed out after %g s waiting for %s; last value: %s" % (
        timeout, what or getattr(probe, "__name__", "condition"), _short(last))
    if detail:
        msg += "\n" + str(detail())
    raise WaitTimeout(msg)


_failures = []


def check(cond, what):
    """Soft assertion: prints 'ok   WHAT' or 'FAIL WHAT' and records a failure;
    returns cond, so the suite can go on."""
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        _failures.append(what)
    sys.stdout.flush()
    return cond


def run(fn, *args):
    """Runs fn(*args) as one test: an exception or a failed check() inside
    fails it.  Prints 'ok   NAME 1.23s' or 'FAIL NAME ...' with the traceback.
    Returns fn's value (None when it raised)."""
    t, before, ret = time.monotonic(), len(_failures), None
    name = getattr(fn, "__name__", str(fn))
    try:
        ret = fn(*args)
    except Exception as e:  # noqa: BLE001 - report every failure, run the next test
        _failures.append(name)
        print("FAIL %-40s %s" % (name, str(e).splitlines()[0] if str(e) else type(e).__name__))
        traceback.print_exc(file=sys.stdout)
    else:
        bad = len(_failures) - before
        if bad:
            print("FAIL %-40s %d check(s) failed" % (name, bad))
        else:
            print("ok   %-40s %.2fs" % (name, time.monotonic() - t))
    sys.stdout.flush()
    return ret


def finish():
    """Prints 'all passed' or the failures, and exits 1 if there were any."""
    if _failures:
        print("%d failed: %s" % (len(_failures), "; ".join(_failures)))
    else:
        print("all passed")
    sys.exit(1 if _failures else 0)


def main(*tests):
    """Runs each test (a function, or a tuple (function, arg, ...)), then finish()."""
    for t in tests:
        if isinstance(t, tuple):
            run(*t)
        else:
            run(t)
    finish()
