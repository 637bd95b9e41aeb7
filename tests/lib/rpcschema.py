"""rpcschema — checks mmd's JSON-RPC replies against the JSON Schema files
that document them (man/rpc-schema/<method>.json, shared objects in
defs.json; see mmd-rpc(7) "SCHEMAS").

    import rpcschema
    rpcschema.check_reply("status", result)     # raises rpcschema.SchemaError
    rpcschema.check_error(reply["error"])       # a documented code and a message
    rpcschema.check_response("halt", reply)     # a whole reply: result or error
    rpcschema.methods()                         # every method with a schema

Needs python3-jsonschema (Debian; tools/deps.sh installs it).  References
between files ("defs.json#/$defs/task") are resolved here, by merging
defs.json into each method's schema, so any jsonschema >= 4 works.
"""
import json
import os
import sys

try:
    import jsonschema
except ImportError:   # a python3 other than Debian's: try Debian's packages
    sys.path.append("/usr/lib/python3/dist-packages")
    import jsonschema  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SCHEMA_DIR = os.path.join(REPO, "man", "rpc-schema")
_cache = {}


class SchemaError(AssertionError):
    """A reply that does not match its method's schema."""


def _load(name):
    with open(os.path.join(SCHEMA_DIR, name + ".json")) as f:
        return json.load(f)


def _local_refs(v):
    """Rewrites "defs.json#/$defs/x" into "#/$defs/x" throughout v."""
    if isinstance(v, dict):
        return {k: (x.replace("defs.json#", "#", 1) if k == "$ref" and isinstance(x, str) else _local_refs(x))
                for k, x in v.items()}
    if isinstance(v, list):
        return [_local_refs(x) for x in v]
    return v


def methods():
    """Every method that has a result schema (file names, less defs/error)."""
    return sorted(f[:-5] for f in os.listdir(SCHEMA_DIR)
                  if f.endswith(".json") and f[:-5] not in ("defs", "error"))


def validator(name):
    """A jsonschema validator for one schema file (method name, "error")."""
    if name not in _cache:
        path = os.path.join(SCHEMA_DIR, name + ".json")
        if not os.path.exists(path):
            raise SchemaError("no schema for method %r (expected %s)" % (name, path))
        s = _local_refs(_load(name))
        s.pop("$id", None)
        s["$defs"] = dict(_load("defs")["$defs"], **s.get("$defs", {}))
        cls = jsonschema.validators.validator_for(s)
        cls.check_schema(s)
        _cache[name] = cls(s)
    return _cache[name]


def _where(path):
    return "".join("[%r]" % p if isinstance(p, str) else "[%d]" % p for p in path) or "(top)"


def _check(name, what, value):
    errs = sorted(validator(name).iter_errors(value), key=lambda e: list(e.absolute_path))
    if errs:
        lines = ["%s does not match man/rpc-schema/%s.json (%d problem%s):"
                 % (what, name, len(errs), "" if len(errs) == 1 else "s")]
        for e in errs[:10]:
            lines.append("  at %s: %s" % (_where(e.absolute_path), e.message[:300]))
        raise SchemaError("\n".join(lines))


def check_reply(method, result):
    """Raises SchemaError naming every mismatch of result against the schema of method."""
    _check(method, "result of %r" % method, result)


def check_notification(msg):
    """A pushed notification: {"jsonrpc":"2.0","method":"status","params":STATUS}."""
    if msg.get("jsonrpc") != "2.0" or "id" in msg or msg.get("method") != "status":
        raise SchemaError("not a status notification: %s" % json.dumps(msg)[:300])
    _check("status", "params of the status notification", msg.get("params"))


def check_error(error):
    """The error member of a reply: a code documented in mmd-rpc(7) and a message."""
    _check("error", "error %s" % json.dumps(error)[:200], error)


def check_response(method, reply):
    """A whole reply object to a call of method: its result against the
    method's schema, or its error against error.json."""
    if not isinstance(reply, dict) or reply.get("jsonrpc") != "2.0" or "id" not in reply:
        raise SchemaError("not a JSON-RPC 2.0 reply: %s" % json.dumps(reply)[:300])
    if ("result" in reply) == ("error" in reply):
        raise SchemaError("a reply has exactly one of result and error: %s" % json.dumps(reply)[:300])
    if "error" in reply:
        check_error(reply["error"])
    else:
        check_reply(method, reply["result"])
