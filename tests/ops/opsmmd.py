"""opsmmd — fixtures of the ops suites (tests/ops): an Mmd whose
configuration gets extra top-level sections (metrics, a read-only socket),
a free loopback port, and a strict parser of the Prometheus text exposition
format (version 0.0.4) that refuses anything promtool would, and more:
families must be whole and declared (HELP and TYPE before their samples),
series unique, counters named *_total and never negative, histograms
cumulative with a +Inf bucket equal to _count."""
import math
import re
import socket

import mmdrun


class Mmd(mmdrun.Mmd):
    """mmdrun.Mmd with `extra` YAML appended to its configuration and
    `control` lines (indented) added to its control section."""

    def __init__(self, *a, extra="", control="", **kw):
        super().__init__(*a, **kw)
        self.extra, self.control = extra, control

    def write_config(self):
        super().write_config()
        with open(self.cfg) as f:
            txt = f.read()
        txt = txt.replace("control:\n", "control:\n" + self.control, 1) + self.extra
        with open(self.cfg, "w") as f:
            f.write(txt)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
LABEL = r"[a-zA-Z_][a-zA-Z0-9_]*"
SAMPLE = re.compile(r"^(%s)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$" % NAME)
LABEL_PAIR = re.compile(r'(%s)="((?:[^"\\\n]|\\\\|\\"|\\n)*)"(,|$)' % LABEL)
TYPES = {"counter", "gauge", "histogram", "summary", "untyped"}


class FormatError(AssertionError):
    pass


def _value(s, line):
    if s in ("NaN", "+Inf", "-Inf"):
        return float(s.replace("Inf", "inf").replace("NaN", "nan"))
    if not re.match(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$", s):
        raise FormatError("bad value %r in %r" % (s, line))
    return float(s)


def _labels(s, line):
    out, pos = {}, 0
    while pos < len(s):
        m = LABEL_PAIR.match(s, pos)
        if not m:
            raise FormatError("bad label set in %r" % line)
        k = m.group(1)
        if k in out:
            raise FormatError("label %s twice in %r" % (k, line))
        out[k] = m.group(2).replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
        pos = m.end()
    return out


def parse(text):
    """{family: {"type", "help", "samples": [(name, labels, value)]}}; raises
    FormatError on anything out of the format."""
    if not text.endswith("\n"):
        raise FormatError("the exposition must end with a newline")
    fams, cur, done = {}, None, set()
    seen = set()
    for line in text[:-1].split("\n"):
        if not line:
            raise FormatError("empty line")
        if line.startswith("#"):
            m = re.match(r"^# (HELP|TYPE) (%s) (.+)$" % NAME, line)
            if not m:
                if line.startswith("# HELP") or line.startswith("# TYPE"):
                    raise FormatError("bad %r" % line)
                continue
            kind, name, rest = m.groups()
            if name in done:
                raise FormatError("family %s appears twice (not contiguous)" % name)
            if cur and cur != name:
                done.add(cur)
            f = fams.setdefault(name, {"type": None, "help": None, "samples": []})
            if f["samples"]:
                raise FormatError("%s of %s after its samples" % (kind, name))
            key = "help" if kind == "HELP" else "type"
            if f[key] is not None:
                raise FormatError("%s of %s twice" % (kind, name))
            if kind == "TYPE" and rest not in TYPES:
                raise FormatError("unknown type %r" % rest)
            f[key] = rest
            cur = name
            continue
        m = SAMPLE.match(line)
        if not m:
            raise FormatError("bad sample line %r" % line)
        name, lbl, val, _ts = m.groups()
        labels = _labels(lbl or "", line)
        fam = name
        if cur and fams[cur]["type"] in ("histogram", "summary"):
            for suf in ("_bucket", "_sum", "_count"):
                if name == cur + suf:
                    fam = cur
        if fam != cur or fams[cur]["type"] is None:
            raise FormatError("sample %s outside its declared family (current %s)" % (name, cur))
        key = (name, tuple(sorted(labels.items())))
        if key in seen:
            raise FormatError("duplicate series %r" % (key,))
        seen.add(key)
        fams[cur]["samples"].append((name, labels, _value(val, line)))
    for name, f in fams.items():
        if f["type"] is None or f["help"] is None:
            raise FormatError("%s lacks TYPE or HELP" % name)
        if f["type"] == "counter":
            if not name.endswith("_total"):
                raise FormatError("counter %s not named *_total" % name)
            bad = [s for s in f["samples"] if not s[2] >= 0]
            if bad:
                raise FormatError("negative counter %r" % bad)
        if f["type"] == "histogram":
            _check_histogram(name, f["samples"])
    return fams


def _check_histogram(name, samples):
    groups = {}
    for n, labels, v in samples:
        rest = tuple(sorted((k, x) for k, x in labels.items() if k != "le"))
        g = groups.setdefault(rest, {"b": [], "sum": None, "count": None})
        if n == name + "_bucket":
            if "le" not in labels:
                raise FormatError("%s bucket without le" % name)
            g["b"].append((_value(labels["le"], labels["le"]), v))
        elif n == name + "_sum":
            g["sum"] = v
        elif n == name + "_count":
            g["count"] = v
    for rest, g in groups.items():
        b = sorted(g["b"])
        if not b or not math.isinf(b[-1][0]) or g["count"] is None or g["sum"] is None:
            raise FormatError("%s%r: needs +Inf bucket, _sum and _count" % (name, rest))
        if any(b[i][1] > b[i + 1][1] for i in range(len(b) - 1)):
            raise FormatError("%s%r: buckets not cumulative" % (name, rest))
        if b[-1][1] != g["count"]:
            raise FormatError("%s%r: +Inf bucket != _count" % (name, rest))


def value(fams, family, sample=None, **labels):
    """The value of the one sample of family (sample name: family by
    default) whose labels include `labels`; KeyError if none."""
    for n, lb, v in fams[family]["samples"]:
        if n == (sample or family) and all(lb.get(k) == x for k, x in labels.items()):
            return v
    raise KeyError("%s%r" % (sample or family, labels))
