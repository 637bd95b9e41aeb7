"""venuelog — what a daemon did to the venue, measured from standx-sim's
--log file (never from the daemon's own report).

``Log(lines)`` reads the JSON lines once and offers:

* ``requests`` — every REST request and ws-api command the simulator
  received, in order: dicts with ts_us, via ("rest" | "ws-api"), account
  (the simulator's address, from its "acct" lines; "" if never
  authenticated), path ("GET /api/query_order?…", "order:new", …);
* ``max_rate(window_s, account=None)`` — the highest average requests per
  second over any window of that length (all accounts when None; REST
  only when rest_only);
* ``rate_limited()`` — 429 answers (HTTP, and ws-api frames with code 429);
* ``late_cancels(grace_s)`` — cancels of orders the simulator had already
  closed (filled, cancelled, rejected) more than grace_s earlier;
* ``alo_reactions_ms()`` — for every ALO rejection on the ws-api stream,
  the milliseconds until the next new order on that side;
* ``duplicate_ids()`` — cl_ord_ids sent in more than one new order.
"""
import collections
import json

import mmdrun

_TERMINAL = ("filled", "canceled", "cancelled", "rejected")


class Log:
    def __init__(self, lines):
        self.lines = list(lines)
        self.requests = []
        self.orders = mmdrun.order_requests(None, self.lines)
        self._index()

    def _index(self):
        pending = {}              # conn -> request waiting for its "acct" line (REST)
        session = {}              # conn -> account of a ws-api session
        self.closed = {}          # cl_ord_id or order id -> ts_us the sim closed it
        for line in self.lines:
            d, conn, kind = line.get("dir"), line.get("conn"), line.get("kind")
            if d == "acct":
                if kind == "ws-api":
                    session[conn] = line.get("account", "")
                elif conn in pending:
                    pending.pop(conn)["account"] = line.get("account", "")
            elif d == "in" and kind == "http":
                p = line.get("path") or ""
                if p.startswith("/_sim") or " /_sim/" in p or " /api/" not in p:
                    continue
                r = {"ts_us": line["ts_us"], "via": "rest", "account": "", "path": p}
                self.requests.append(r)
                pending[conn] = r
            elif d == "in" and kind == "ws-api":
                try:
                    m = json.loads(line.get("body") or "").get("method", "")
                except (ValueError, AttributeError):
                    continue
                if m in ("order:new", "order:cancel"):
                    self.requests.append({"ts_us": line["ts_us"], "via": "ws-api",
                                          "account": session.get(conn, ""), "path": m})
            elif d == "out" and kind == "ws-stream":
                self._note_closed(line)

    def _note_closed(self, line):
        body = line.get("body") or ""
        if '"order"' not in body:
            return
        try:
            f = json.loads(body)
        except ValueError:
            return
        if f.get("channel") != "order":
            return
        o = f.get("data") or {}
        if o.get("status") in _TERMINAL:
            for k in (o.get("cl_ord_id"), o.get("id")):
                if k not in (None, ""):
                    self.closed.setdefault(str(k), line["ts_us"])

    # -- rates --
    def max_rate(self, window_s=10.0, account=None, rest_only=False):
        ts = [r["ts_us"] for r in self.requests
              if (account is None or r["account"] == account) and (not rest_only or r["via"] == "rest")]
        if not ts:
            return 0.0
        w, best, j = int(window_s * 1e6), 0, 0
        for i in range(len(ts)):
            while ts[i] - ts[j] >= w:
                j += 1
            best = max(best, i - j + 1)
        return best / window_s

    def accounts(self):
        return sorted({r["account"] for r in self.requests if r["account"]})

    def rate_limited(self):
        n = 0
        for line in self.lines:
            if line.get("dir") != "out":
                continue
            if line.get("kind") == "http" and (line.get("path") or "").endswith(" 429"):
                n += 1
            elif line.get("kind") == "ws-api" and '"code":429' in (line.get("body") or ""):
                n += 1
        return n

    # -- orders --
    def late_cancels(self, grace_s=1.0):
        """(cl_ord_id or order id, seconds after close) of cancels sent for
        orders the simulator had closed more than grace_s before."""
        out = []
        for r in self.orders:
            if r["op"] == "new":
                continue
            p = r["params"]
            keys = list(p.get("cl_ord_id_list") or []) + list(p.get("order_id_list") or [])
            keys += [p.get("cl_ord_id"), p.get("order_id")]
            for k in keys:
                if k in (None, ""):
                    continue
                t = self.closed.get(str(k))
                if t is not None and r["ts_us"] - t > grace_s * 1e6:
                    out.append((k, (r["ts_us"] - t) / 1e6))
        return out

    def duplicate_ids(self):
        c = collections.Counter(r["cl_ord_id"] for r in self.orders if r["op"] == "new")
        return {k: v for k, v in c.items() if v > 1}

    def rejections(self):
        """(ts_us, request_id) of every order refused as ALO on the ws-api stream."""
        out = []
        for line in self.lines:
            if line.get("dir") == "out" and line.get("kind") == "ws-api":
                try:
                    f = json.loads(line.get("body") or "")
                except ValueError:
                    continue
                if f.get("code") == 400 and "alo" in (f.get("message") or ""):
                    out.append((line["ts_us"], f.get("request_id")))
        return out

    def alo_reactions_ms(self):
        """Per ALO rejection: ms from the rejection frame to the next new
        order of the same task (cl_ord_id prefix) on the same side.
        Returns (latencies, rejected cl_ord_ids)."""
        by_rid = {r["rid"]: r for r in self.orders if r["rid"]}
        self._rest_rids(by_rid)
        news = [r for r in self.orders if r["op"] == "new"]
        lat, rejected = [], []
        for ts, rid in self.rejections():
            req = by_rid.get(rid)
            if req is None:
                continue
            cl = req["cl_ord_id"]
            rejected.append(cl)
            task, side = cl.split("-")[0], req["params"].get("side")
            nxt = next((r for r in news if r["ts_us"] > ts and r["params"].get("side") == side
                        and r["cl_ord_id"].split("-")[0] == task), None)
            if nxt:
                lat.append((nxt["ts_us"] - ts) / 1000.0)
        return lat, rejected

    def _rest_rids(self, by_rid):
        """REST orders: their x-request-id is on the "acct" line after them."""
        last = {}
        mine = {(o["ts_us"], o["cl_ord_id"]): o for o in self.orders if o["via"] == "rest"}
        for line in self.lines:
            conn = line.get("conn")
            if line.get("dir") == "in" and line.get("kind") == "http":
                last[conn] = line
            elif line.get("dir") == "acct" and line.get("kind") == "http" and line.get("rid") and conn in last:
                src = last.pop(conn)
                for r in mmdrun.order_requests(None, [src]):
                    o = mine.get((r["ts_us"], r["cl_ord_id"]))
                    if o is not None:
                        o["rid"] = line["rid"]
                        by_rid[line["rid"]] = o
