#!/usr/bin/env python3
"""e2e: secrets given as *_env do not stay readable in /proc/PID/environ of
the running daemon (mmd overwrites the values in place after reading them),
and a SIGHUP reload still applies although the variables are gone (the
running account keeps its credentials)."""
import signal

import mmdrun
import sim
from harness import main, wait_for

JWT_VAR, KEY_VAR = "MMD_E2E_JWT", "MMD_E2E_KEY"


class EnvMmd(mmdrun.Mmd):
    """Mmd whose accounts read jwt_token / signing_key from the environment."""

    def write_config(self):
        super().write_config()
        with open(self.cfg) as f:
            text = f.read()
        out = []
        for line in text.splitlines():
            if line.startswith("    jwt_token:"):
                line = '    jwt_token_env: "%s"' % JWT_VAR
            elif line.startswith("    signing_key:"):
                line = '    signing_key_env: "%s"' % KEY_VAR
            out.append(line)
        with open(self.cfg, "w") as f:
            f.write("\n".join(out) + "\n")


def environ_of(pid):
    with open("/proc/%d/environ" % pid, "rb") as f:
        return f.read()


def test_env_secrets_scrubbed():
    with sim.scenario("calm", seed=61) as s:
        c = s.mint("envy")
        t = mmdrun.task("e", "BTC-USD", "envy", tiers=1, level="moderate", risk=mmdrun.guards_off())
        env = {JWT_VAR: c.jwt, KEY_VAR: c.key}
        with EnvMmd(s, [t], {"envy": c}, env=env) as d:
            d.wait_quoting("e", timeout=15)
            blob = environ_of(d.proc.pid)
            assert c.jwt.encode() not in blob, "the JWT is readable in /proc/PID/environ"
            assert c.key.encode() not in blob, "the signing key is readable in /proc/PID/environ"
            assert b"PATH=" in blob, "environ unreadable? %r" % blob[:200]
            # a reload that finds the variables gone keeps the account and applies
            t["sizing"]["tiers"] = 2
            d.write_config()
            d.proc.send_signal(signal.SIGHUP)
            wait_for(lambda: "reload applied" in d.log() or "keeping the running configuration" in d.log(), 10,
                     what="the reload's outcome", detail=d.log_tail)
            assert "reload applied" in d.log(), d.log_tail()
            d.wait_quoting("e", tiers=2, timeout=15)
            assert c.jwt.encode() not in environ_of(d.proc.pid)
            print("environ clean; reload applied, quoting 2 tiers")
            assert d.stop() == 0, d.log_tail()


if __name__ == "__main__":
    main(test_env_secrets_scrubbed)
