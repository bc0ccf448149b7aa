"""Schemathesis hooks of the contract test (openapi.e2e.spec.ts), loaded through SCHEMATHESIS_HOOKS.

Each call that carries a well-formed Idempotency-Key gets a key of its own. Schemathesis replays
a sequence of calls to shrink what it found, against a server that remembers the keys of the
first run: the same key and body then get the first run's answer, as they must (a created entry
that the first run deleted since, say), which its checks would read as a resource that is gone.
Replays under one key are tested by the suites of the command-service; a key that breaks its
schema (empty, longer than 255) is left as generated, so that its refusal is still checked, and
so is every case whose headers are generated to break their schema (a required header left out).
"""

import uuid

import schemathesis
from schemathesis.core.parameters import ParameterLocation


@schemathesis.hook
def before_call(ctx, case, kwargs):
    if case.meta is not None and case.meta.is_negative_at(ParameterLocation.HEADER):
        return
    for name, value in list((case.headers or {}).items()):
        if name.lower() == "idempotency-key" and isinstance(value, str) and 1 <= len(value) <= 255:
            case.headers[name] = str(uuid.uuid4())
