"""ROAM: how a risk is handled (Resolved, Owned, Accepted, Mitigated), a train's and a solution's alike."""

from __future__ import annotations

from typing import Any

from board import fields as f
from board.errors import Invalid
from board.model import Roam

OWNER = f.Text(80)


def roamed(roam: Any, owner: Any) -> tuple[Roam, str]:
    """A risk's ROAM and owner as given (``owner``: the risk's current one when none is given), or
    ``Invalid`` saying why not: an Owned risk needs someone who owns it."""
    state = f.Choice(Roam).clean("roam", roam)
    assert isinstance(state, Roam)
    who = OWNER.clean("owner", owner)
    if state == Roam.OWNED and not who:
        raise Invalid("an Owned risk needs an owner: name who owns it")
    return state, who
