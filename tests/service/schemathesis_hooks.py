"""Schemathesis hooks for the property-based runs (``SCHEMATHESIS_HOOKS`` names this module).

Some schema-valid values are refused for reasons a schema cannot state, so a run sends the
requests without them: a webhook URL is accepted only when its host resolves to a public
address (these runs have no network) and the account has a signing secret, and a task-list
cursor only when an earlier page handed it out. Their own tests cover those refusals.
"""

from __future__ import annotations

from typing import Any

import schemathesis

#: Request fields whose acceptance depends on the network or on earlier answers.
CONTEXT_FIELDS = ("webhook", "webhook_events_filter")


def without_context_fields(case: Any) -> None:
    """Drop the webhook fields of a body and the cursor of a query, in place."""
    if isinstance(case.body, dict):
        requests = case.body.get("requests")
        for body in [case.body, *(requests if isinstance(requests, list) else [])]:
            if isinstance(body, dict):
                for name in CONTEXT_FIELDS:
                    body.pop(name, None)
    if isinstance(case.query, dict):
        case.query.pop("cursor", None)


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Every request of a run goes without the context-dependent fields."""
    without_context_fields(case)
