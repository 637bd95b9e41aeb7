#!/usr/bin/env python3
"""gen_corpus — (re)writes the SEED corpora of tests/fuzz/corpus/<target>/ from
the StandX protocol doc (every JSON shape of sections 4-6), the example configs
and hand-written RPC requests / decimals.  Seeds are named seed-*; regression
inputs (crash-*) are never touched.  Run from anywhere:
    tests/fuzz/gen_corpus.py [path/to/standx-protocol.md]"""
import json, os, re, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DOC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, '..', 'shared', 'standx-protocol.md')
CORPUS = os.path.join(HERE, 'corpus')


def out(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(d, 'seed-' + name), 'wb') as f:
        f.write(data)


def doc_blocks():
    """JSON code blocks of sections 4 to 6, one JSON text per line-group."""
    text = open(DOC, encoding='utf-8').read()
    start, end = text.index('\n## 4.'), text.index('\n## 7.')
    blocks = re.findall(r'```json\n(.*?)```', text[start:end], re.S)
    res = []
    for b in blocks:
        try:
            res.append(json.loads(b))
            continue
        except ValueError:
            pass
        for line in b.splitlines():       # several one-line examples in one block
            line = line.strip()
            if not line:
                continue
            try:
                res.append(json.loads(line))
            except ValueError:
                res.append(line)          # shapes with "…" placeholders stay as text
        if not any(isinstance(x, (dict, list)) for x in res[-3:]):
            res.append(b)
    return res


ORDER = {"id": 1820682, "cl_ord_id": "01K2BK4ZKQE0C308SRD39P8N9Z", "symbol": "BTC-USD", "side": "sell",
         "order_type": "limit", "time_in_force": "gtc", "reduce_only": False, "price": "121900.00",
         "qty": "0.060", "fill_qty": "0", "fill_avg_price": "0", "status": "open", "leverage": "10",
         "margin": "0", "avail_locked": "3.071880000", "position_id": 15, "liq_id": 0, "source": "user",
         "remark": "", "payload": None, "created_block": -1, "closed_block": -1,
         "created_at": "2025-08-11T03:35:25.559151Z", "updated_at": "2025-08-11T03:35:25.559151Z",
         "user": "bsc_0x1"}
TRADE = {"id": 409870, "order_id": 1820682, "symbol": "BTC-USD", "side": "sell", "price": "121900",
         "qty": "0.01", "value": "1219.00", "fee_asset": "DUSD", "fee_qty": "-0.121900", "pnl": "1.62040",
         "created_at": "2025-08-11T03:36:19.352620Z"}


def sx_seeds():
    blocks = doc_blocks()
    for i, b in enumerate(blocks):
        txt = b if isinstance(b, str) else json.dumps(b)
        out('ws_frame', 'doc-%02d.json' % i, txt)
        out('sx_rest', 'doc-%02d.json' % i, txt)
        if isinstance(b, dict) and 'data' in b:
            out('sx_rest', 'doc-%02d-data.json' % i, json.dumps(b['data']))
    extra_rest = {
        'open-orders.json': {"code": 0, "message": "success", "page_size": 2, "total": 2,
                             "result": [ORDER, dict(ORDER, id="42", status="new", fill_qty=0.01)]},
        'orders-bare.json': [dict(ORDER, status="partially_filled", fill_qty="0.01")],
        'trades.json': {"code": 0, "result": [TRADE, dict(TRADE, id="409871", time=1789278068947)]},
        'error-400.json': {"code": 400, "message": "alo order rejected"},
        'error-msg.json': {"code": 401, "msg": "invalid token"},
        'cancel-empty.json': [],
        'positions-num.json': [{"symbol": "ETH-USD", "qty": -0.5, "entry_price": 3010.5, "upnl": None,
                                "realized_pnl": ""}],
        'balance-num.json': {"equity": 1100028.707476657, "cross_available": "1085746.571",
                             "balance": 1e3, "upnl": -1},
        'symbols-live.json': [{"symbol": "HYPE-USD", "price_tick_decimals": 3, "qty_tick_decimals": 2,
                               "min_order_qty": "0.1", "status": "trading", "max_leverage": "20"}],
        'depth-many.json': {"symbol": "BTC-USD", "asks": [[str(77261 + i), "0.1"] for i in range(70)],
                            "bids": [[77248 - i, 0.5] for i in range(70)]},
    }
    for k, v in extra_rest.items():
        out('sx_rest', k, json.dumps(v))
    out('sx_rest', 'plain-text.txt', 'rate limited')
    out('sx_rest', 'jwt.txt', 'eyJhbGciOiJFZERTQSJ9.eyJleHAiOjE3NjAwMDAwMDB9.c2ln')
    extra_ws = {
        'ack.json': {"subscribed": {"channel": "price", "symbol": "BTC-USD"}},
        'pong-408.json': {"code": 408, "message": "disconnecting due to not receive Pong within 5 minute period"},
        'auth-0.json': {"seq": 1, "channel": "auth", "data": {"code": 0, "msg": "success"}},
        'auth-401.json': {"seq": 1, "channel": "auth", "data": {"code": 401, "msg": "invalid token"}},
        'ptrade-rest.json': {"seq": 4, "channel": "public_trade", "symbol": "BTC-USD",
                             "data": {"is_buyer_taker": True, "price": "77248.06", "qty": "0.0001",
                                      "quote_qty": "7.72", "symbol": "BTC-USD",
                                      "time": "2026-09-13T05:41:06.104799291Z"}},
        'order-cancelled.json': {"seq": "36", "channel": "order", "data": dict(ORDER, status="cancelled")},
        'trade-time.json': {"seq": 38, "channel": "trade", "data": dict(TRADE, time=1789278068947)},
        'depth-many.json': {"seq": 9, "channel": "depth_book", "symbol": "BTC-USD",
                            "data": extra_rest['depth-many.json']},
        'price-nulls.json': {"seq": 5, "channel": "price", "symbol": "BTC-USD",
                             "data": {"symbol": "BTC-USD", "mark_price": 77260.99, "index_price": "77298.61",
                                      "last_price": None, "mid_price": "", "spread": [None, "77260.99"],
                                      "time": 1789278068947}},
        'kline.json': {"seq": 6, "channel": "kline", "symbol": "BTC-USD", "data": {"interval": "1"}},
        'wsapi-accepted.json': {"code": 0, "message": "accepted", "request_id": "c9d50ec7"},
    }
    for k, v in extra_ws.items():
        out('ws_frame', k, json.dumps(v))


def cfg_seeds():
    ex = os.path.join(ROOT, 'examples')
    for n in sorted(os.listdir(ex)):
        if n.endswith('.yaml'):
            out('config', n, open(os.path.join(ex, n), 'rb').read())
    out('config', 'real-key.yaml', """exchange: {rest_url: "http://127.0.0.1:1", ws_url: "ws://127.0.0.1:1"}
control: {socket: /tmp/mmd-fuzz.sock}
log: {level: debug}
accounts:
  - id: main
    jwt_token: "eyJhbGciOiJFZERTQSJ9.eyJleHAiOjE3NjAwMDAwMDB9.c2ln"
    signing_key: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
tasks:
  - id: btc-1
    symbol: BTC-USD
    account: main
    risk: {level: aggressive, max_fills_per_minute: 5, stale_data_ms: 3000}
    sizing: {base_qty: "0.001", tiers: 3}
    strategy: {tiers_bps: [[0, 5], [5, 10], [10, 20]], tier_qty_multipliers: [1, 2, 3], requote_drift_bps: 0.5}
    shutdown: {close_positions: false, timeout_s: 5}
""")
    out('config', 'env-file.yaml', """tasks:
  - id: x
    symbol: ETH-USD
    credentials: {jwt_token_env: HOME, signing_key_file: mmd.yaml}
    sizing: {base_qty: "1"}
""")
    out('config', 'anchors.yaml', "a: &x [1, 2]\nb: *x\ntasks: *x\n")


def rpc_seeds():
    reqs = {
        'version.json': '{"jsonrpc":"2.0","id":1,"method":"version"}',
        'status.json': '{"jsonrpc":"2.0","id":"s","method":"status","params":{}}',
        'help.json': '{"jsonrpc":"2.0","id":2,"method":"help","params":["halt"]}',
        'orders-named.json': '{"jsonrpc":"2.0","id":3,"method":"orders","params":{"task":"btc-1"}}',
        'positions-pos.json': '{"jsonrpc":"2.0","id":4,"method":"positions","params":["nope"]}',
        'uptime.json': '{"jsonrpc":"2.0","id":5,"method":"uptime"}',
        'halt.json': '{"jsonrpc":"2.0","id":6,"method":"halt","params":{"task":"btc-1","reason":"test"}}',
        'resume.json': '{"jsonrpc":"2.0","id":7,"method":"resume","params":["eth-1"]}',
        'tasks.json': '{"jsonrpc":"2.0","id":8,"method":"tasks"}',
        'subscribe.json': '{"jsonrpc":"2.0","id":9,"method":"subscribe"}\n'
                          '{"jsonrpc":"2.0","id":10,"method":"unsubscribe"}\n',
        'shutdown.json': '{"jsonrpc":"2.0","id":11,"method":"shutdown"}\n{"jsonrpc":"2.0","id":12,"method":"resume"}\n',
        'notification.json': '{"jsonrpc":"2.0","method":"status"}',
        'batch.json': '[{"jsonrpc":"2.0","id":1,"method":"version"},{"jsonrpc":"2.0","method":"tasks"},'
                      '{"jsonrpc":"2.0","id":2,"method":"halt"},{"foo":1},3]',
        'batch-empty.json': '[]',
        'batch-notes.json': '[{"jsonrpc":"2.0","method":"version"},{"jsonrpc":"2.0","method":"halt","params":["btc-1","ab"]}]',
        'bad-version.json': '{"jsonrpc":"1.0","id":1,"method":"version"}',
        'bad-params.json': '{"jsonrpc":"2.0","id":null,"method":"orders","params":{"task":1,"x":2}}',
        'unknown.json': '{"jsonrpc":"2.0","id":[1],"method":"frobnicate"}',
        'garbage.txt': '{"jsonrpc":"2.0","id":1,"method":"vers\n\x00\xff}}}\r\n   \n',
        'multi.txt': '{"jsonrpc":"2.0","id":1,"method":"version"}\r\n\n[{"jsonrpc":"2.0","id":2,"method":"status"}]\n',
    }
    for k, v in reqs.items():
        out('rpc', k, v.encode('latin-1'))


def dec_seeds():
    vals = ['0', '-0', '1', '0.001', '65000.10', '-0.200', '9223372036.854775807', '-9223372036.854775807',
            '9223372036.854775808', '3.9932238453666987', '+1.5', '.5', '5.', '1e5', '00012.3400000000',
            '0.0000000001', ' 1', '-', '1.2.3']
    for i, v in enumerate(vals):
        out('dec', '%02d' % i, v)
    out('dec', 'raw-min', b'\x00' * 7 + b'\x80' + b'\x05')
    out('dec', 'raw-max', b'\xff' * 7 + b'\x7f' + b'\x0a')


def codec_seeds():
    seeds = {'hex-seed': '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
             'time-z': '2025-08-11T03:35:25.559151Z', 'time-off': '2026-09-13T05:41:06.104799291+05:30',
             'jwt': 'eyJhbGciOiJFZERTQSJ9.eyJleHAiOjE3NjAwMDAwMDB9.c2ln',
             'b58': '4vJ9JU1bJJE96FWSJKvHsmmFADCg4gpZQff4P3bkLKi',
             'b64': 'nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=',
             'b64url': 'nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A', 'zeros': '0000'}
    for k, v in seeds.items():
        out('codec', k, v)


if __name__ == '__main__':
    codec_seeds()
    sx_seeds()
    cfg_seeds()
    rpc_seeds()
    dec_seeds()
    for t in sorted(os.listdir(CORPUS)):
        print('%-10s %d files' % (t, len(os.listdir(os.path.join(CORPUS, t)))))
