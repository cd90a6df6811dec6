"""How the domain's own names are said to people: fields, stored choices, roles and ops.

Every refusal the board gives names things with these, so no text a person reads carries an
internal name ("blocked_reason", "dependency.accept"); pages may ask them too.
"""

from __future__ import annotations

import enum

from board.model import Role

# A field as people say it, where "the" and its name without "_id" would not do.
FIELD_LABELS: dict[str, str] = {
    "blocked_reason": "the reason it is blocked",
    "requesting_team_id": "the team that needs it",
    "requesting_feature_id": "the feature that needs it",
    "provider_team_id": "the providing team",
    "provider_feature_id": "the providing feature",
    "provider_story_id": "the providing story",
    "needed_by_iteration_id": "the iteration it is needed by",
    "promised_iteration_id": "the promised iteration",
    "external_party": "the external party",
    "provider_train": "the other train's team",
    "requester_train": "the other train's request",
    "cadence_mismatch": "how the trains' iterations disagree",
    "external_key": "the Jira key",
    "pi_name": "the PI's name",
    "start": "the start date",
    "end": "the end date",
    "planning_target": "the planning target",
    "event_date": "the first day of PI Planning",
    "day_start": "the time a day starts",
    "time_zone": "the time zone",
    "velocity_threshold": "the velocity threshold",
    "forecast_threshold": "the forecast threshold",
    "earlier_pi_name": "the earlier PI's name",
    "earlier_throughput": "what the team finished per iteration in the earlier PI",
    "import_mapping": "the choices of the last import",
    "is_ip": "whether it is the IP iteration",
    "weeks": "the number of weeks",
    "fte": "the FTE",
    "days_off": "the days off",
    "feature_kind": "the kind (feature or enabler)",
    "milestone_kind": "the kind of milestone",
    "state": "the state",
    "status": "the status",
    "acceptance": "the acceptance criteria",
    "imported": "what the import wrote",
    "after": "the stories it comes after",
    "feature_ids": "the linked features",
    "committed": "whether it is committed",
    "raised_by": "who raised it",
    "minutes": "the minutes",
    "order": "the order",
    "args": "the edit",
    "target": "what the edit is about",
    "base_version": "the version you edited",
    "client_op_id": "the edit's id",
    "from_voter": "the participant to merge",
    "into_voter": "the participant to merge into",
    "into_name": "the name to keep",
    "needs": "who is asked for",
    "view": "the view",
    "scene": "the scene",
    "value": "the value",
    "answer": "the answer",
    "done": "whether it is done",
    "carry_stories": "whether its stories move with it",
    "vote_privacy": "the vote's privacy",
}


def field_label(name: str) -> str:
    """A field (or an op argument, also as a path like "args.title") as people say it:
    ``blocked_reason`` is "the reason it is blocked", ``team_id`` is "the team"."""
    last = name.rsplit(".", 1)[-1].split("[", 1)[0]
    if last in FIELD_LABELS:
        return FIELD_LABELS[last]
    words = last.removesuffix("_ids").removesuffix("_id").replace("_", " ")
    return f"the {words}"


# A stored choice as people say it, where its stored value is not already that.
_CHOICE_WORDS = {"todo": "to do", "unroamed": "not ROAMed yet"}


def choice_label(value: enum.Enum | str) -> str:
    """A stored choice (a story's status, a feature's state, a risk's ROAM, …) in words:
    "in_progress" is "in progress", "todo" is "to do"."""
    raw = str(value.value if isinstance(value, enum.Enum) else value)
    return _CHOICE_WORDS.get(raw, raw.replace("_", " "))


ROLE_NAMES: dict[Role, str] = {
    Role.RTE: "the RTE",
    Role.PRODUCT_MANAGEMENT: "Product Management",
    Role.ARCHITECT: "the System Architect",
    Role.BUSINESS_OWNER: "a Business Owner",
    Role.TEAM: "a team member",
    Role.OBSERVER: "an observer",
}


def role_label(role: Role) -> str:
    """Who holds a role, as the start of a sentence's subject: "a Business Owner"."""
    return ROLE_NAMES[role]


# What each op does, said as the action a person takes ("… may not accept a dependency").
OP_ACTIONS: dict[str, str] = {
    "board.create": "create a board",
    "board.update": "change the board's settings",
    "plan.lock": "lock the plan",
    "plan.unlock": "unlock the plan",
    "baseline.take": "take the baseline",
    "execution.start": "start the PI's execution",
    "iteration.create": "add an iteration",
    "iteration.update": "change an iteration",
    "iteration.delete": "delete an iteration",
    "iteration.reorder": "reorder the iterations",
    "team.create": "add a team",
    "team.update": "change a team",
    "team.delete": "delete a team",
    "member.create": "add a person to a team",
    "member.update": "change a team member's capacity",
    "member.delete": "remove a person from a team",
    "feature.create": "add a feature",
    "feature.update": "change a feature",
    "feature.move": "move a feature",
    "feature.delete": "delete a feature",
    "milestone.create": "add a milestone",
    "milestone.update": "change a milestone",
    "milestone.delete": "delete a milestone",
    "story.create": "add a story",
    "story.update": "change a story",
    "story.move": "move a story",
    "story.delete": "delete a story",
    "dependency.create": "ask for a dependency",
    "dependency.update": "change a dependency",
    "dependency.accept": "accept a dependency",
    "dependency.propose": "propose another iteration for a dependency",
    "dependency.decline": "decline a dependency",
    "dependency.done": "mark a dependency done",
    "dependency.comment": "comment on a dependency",
    "dependency.delete": "delete a dependency",
    "crosstrain.mirror": "write another train's request on this board",
    "crosstrain.answer": "write another train's answer on this board",
    "objective.create": "add a PI objective",
    "objective.update": "change a PI objective",
    "objective.delete": "delete a PI objective",
    "objective.set_bv": "give business value",
    "objective.set_actual_bv": "give actual value",
    "risk.create": "raise a risk",
    "risk.update": "change a risk",
    "risk.roam": "ROAM a risk",
    "risk.delete": "delete a risk",
    "roam.focus": "lead the ROAM session",
    "vote.open": "open a confidence vote",
    "vote.cast": "vote",
    "vote.explain": "explain a vote",
    "vote.close": "close a confidence vote",
    "vote.reveal": "reveal a confidence vote",
    "vote.merge_voter": "merge two participants' votes",
    "agenda.create": "add an agenda item",
    "agenda.update": "change an agenda item",
    "agenda.delete": "delete an agenda item",
    "timer.start": "start the timer",
    "timer.pause": "pause the timer",
    "timer.resume": "resume the timer",
    "timer.extend": "extend the timer",
    "timer.advance": "move the timer to the next agenda item",
    "timer.stop": "stop the timer",
    "event.undo": "undo an edit",
    "screen.show": "choose what the big screen shows",
    "room.gather": "bring everyone to a view",
    "help.ask": "ask for help",
    "help.take": "take a help request",
    "help.close": "close a help request",
}


def op_label(op_type: str) -> str:
    """What an op does, as people say it: ``dependency.accept`` is "accept a dependency"."""
    return OP_ACTIONS.get(op_type, "do that")
