"""Turning what a door received into an op: shared by the form door, the websocket and the REST door.

A browser form (or htmx's ``ws-send``, which sends a form's fields as flat JSON) names the
op's arguments ``args.<field>``; a program sends ``args`` as an object. Both become one
validated :class:`~server.doors.schemas.OpIn`, or an ``Invalid`` with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from board.errors import Invalid
from board.json_input import read_json
from server.doors.schemas import OpIn

ENVELOPE = ("type", "target", "base_version", "client_op_id")


def op_from_fields(fields: Iterable[tuple[str, Any]]) -> OpIn:
    """Build an op from flat (name, value) pairs; repeated ``args.x`` names make a list, and
    ``args.x.k`` names make a mapping ``x`` (e.g. a member's days off per iteration)."""
    envelope: dict[str, Any] = {}
    args: dict[str, Any] = {}
    for name, value in fields:
        if name in ENVELOPE:
            envelope[name] = value if value != "" else None
        elif name == "args":
            args.update(_json_object(value))
        elif name.startswith("args.") and "." in name[5:]:
            # args.days_off.<iteration id>: one entry of a mapping argument.
            key, entry = name[5:].split(".", 1)
            mapping = args.setdefault(key, {})
            if not isinstance(mapping, dict):
                raise Invalid(f"args.{key} is given both as a value and as entries")
            mapping[entry] = value
        elif name.startswith("args."):
            key = name[5:]
            if key in args:
                existing = args[key]
                args[key] = [*existing, value] if isinstance(existing, list) else [existing, value]
            else:
                args[key] = value
    if envelope.get("client_op_id") is None:
        envelope["client_op_id"] = ""
    _other_train_chosen(args)
    return parse_op({**envelope, "args": args})


def _other_train_chosen(args: dict[str, Any]) -> None:
    """A dependency form's provider list offers the other trains' teams too, as "<board>/<team>"
    (templates/parts/dep_fields.html; no id has a "/"): choosing one asks that train's team."""
    chosen = args.get("provider_team_id")
    if isinstance(chosen, str) and "/" in chosen:
        args["provider_train"] = chosen
        args["provider_team_id"] = None


def parse_op(data: Any) -> OpIn:
    if not isinstance(data, dict):
        raise Invalid("an op is a JSON object")
    try:
        return OpIn.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "op"
        raise Invalid(f"{where}: {first['msg']}") from None


def _json_object(value: Any) -> dict[str, Any]:
    """``args`` given whole: an object in a socket frame, or JSON text in a form's field or a frame's."""
    if isinstance(value, dict):
        return value
    if not isinstance(value, str):
        raise Invalid("args must be a JSON object")
    parsed = read_json(value, "args")
    if not isinstance(parsed, dict):
        raise Invalid("args must be a JSON object")
    return parsed
