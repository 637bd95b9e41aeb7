#!/usr/bin/env python3
"""standx-sim determinism: the same seed gives the same price path (manual
clock, so wall-clock jitter cannot matter), a different seed a different one;
and the live clock moves the mark."""
import sim
from harness import check, main, wait_for


def path(seed, steps=40, speed=None):
    with sim.Sim(seed=seed, speed=speed, args=["--manual-clock"]) as s:
        marks = []
        for _ in range(steps):
            st, j = s.advance(100)
            assert st == 200, (st, j)
            marks.append(s.mark("BTC-USD"))
        check(s.stop() == 0, "seed %s: clean exit" % seed)
        return marks


def test_seeded_paths():
    a, b, c = path(11), path(11), path(12)
    check(a == b, "same seed -> same first %d marks" % len(a))
    check(a != c, "different seed -> different path")
    check(len(set(a)) > 1, "the mark moves (%d distinct values)" % len(set(a)))
    fast = path(11, steps=10, speed=4)
    check(fast[-1] == a[39], "speed 4: 1 s wall = 4 s sim (mark at 4 s matches)")


def test_live_clock():
    with sim.Sim(seed=11) as s:
        st, j = s.advance(100)
        check(st == 400, "advance refused without --manual-clock")
        m0 = s.mark()
        wait_for(s.mark, 5, 0.05, what="the live clock moving the mark", until=lambda m: m != m0)
        check(True, "live clock moves the mark")


if __name__ == "__main__":
    main(test_seeded_paths, test_live_clock)
