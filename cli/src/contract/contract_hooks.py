"""Schemathesis hooks of the contract test (openapi.e2e.spec.ts), loaded through SCHEMATHESIS_HOOKS.

Each call that carries a well-formed Idempotency-Key gets a key of its own. Schemathesis replays
a sequence of calls to shrink what it found, against a server that remembers the keys of the
first run: the same key and body then get the first run's answer, as they must (a created entry
that the first run deleted since, say), which its checks would read as a resource that is gone.
Replays under one key are tested by the suites of the command-service; a key that breaks its
schema (empty, longer than 255) is left as generated, so that its refusal is still checked, and
so is every case whose headers are generated to break their schema (a required header left out).

A read that takes X-Min-Position is sent the newest `position` a command of this run answered,
as the web client does. Without it, a read right after a write may rightly answer from a read
model that has not caught up yet (the documented window), and the stateful checks would read a
deleted entry's attachment, still listed for a moment, as a resource used after it was freed.
A generated position lower than that is raised to it (still a valid header, waiting longer);
one that breaks its schema is left as generated, so that its refusal is still checked.
"""

import uuid

import schemathesis
from schemathesis.core.parameters import ParameterLocation


MIN_POSITION = "x-min-position"
_latest = {"position": 0}


def _takes_min_position(case):
    return any(parameter.name.lower() == MIN_POSITION for parameter in case.operation.headers)


@schemathesis.hook
def before_call(ctx, case, kwargs):
    if case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER):
        return
    for name, value in list((case.headers or {}).items()):
        if name.lower() == "idempotency-key" and isinstance(value, str) and 1 <= len(value) <= 255:
            case.headers[name] = str(uuid.uuid4())
    if _latest["position"] == 0 or not _takes_min_position(case):
        return
    headers = dict(case.headers or {})
    name = next((name for name in headers if name.lower() == MIN_POSITION), MIN_POSITION)
    given = headers.get(name)
    if given is None or (isinstance(given, str) and given.isdigit() and int(given) < _latest["position"]):
        headers[name] = str(_latest["position"])
        case.headers = headers


@schemathesis.hook
def after_call(ctx, case, response):
    if case.method.upper() == "GET" or not 200 <= response.status_code < 300:
        return
    try:
        body = response.json()
    except ValueError:
        return
    position = body.get("position") if isinstance(body, dict) else None
    if isinstance(position, int) and not isinstance(position, bool):
        _latest["position"] = max(_latest["position"], position)
