"""The sync with Jira / Azure DevOps of a train that is in a solution (issue 29, docs/solution.md#trackers).

The emulated trackers over HTTP and a real SQLite file, with the server's own services
(``server.app.build_services``): their op path carries the cross-train hook (``Services.cross_train``,
as ``create_app`` makes it) and their ``tracker_sync`` is the server's, so the tracker's ops reach the
other train by the one op path and its ``on_commit``, not by a second route. Train B is synced with the
tracker; train A asks one of B's teams for work, which B plans as a story kept in the tracker.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from board import Actor, Op
from board.dependencies import dependency_state
from board.errors import Forbidden
from board.execution import dependency_health
from board.model import Dependency, DependencyState, Feature, Role, Story, StoryStatus, Team
from board.solution import Progress, capability_feature_id, feature_progress
from server.app import build_services
from server.doors.capabilities import split_capability
from server.doors.deps import Services
from server.settings import Settings
from server.store.op_path import new_id
from server.watch.trackers.sync import sync_actor
from tests.conftest import with_schema
from tests.trackers.conftest import RTE, SPRINT_START, AzureSide, JiraSide, Side, Synced

SECRET = "test-secret-" + "x" * 32
# Both trains plan in the tracker's two sprints, on the same dates: the solution's cadence agrees.
SPRINTS = [
    (SPRINT_START + timedelta(days=14 * n), SPRINT_START + timedelta(days=14 * n + 13)) for n in (0, 1)
]


@pytest.fixture(params=["jira", "azure"])
def side(request: pytest.FixtureRequest) -> Side:
    """Jira Cloud and Azure DevOps (Jira Data Center's reader is tested in test_sync_jira.py)."""
    if request.param == "azure":
        return AzureSide(request.getfixturevalue("azure"))
    return JiraSide(request.getfixturevalue("jira"))


@pytest.fixture
def services(tmp_path: Path) -> Iterator[Services]:
    """The server's services on a real database file, hooked for cross-train dependencies as a server's."""
    url = f"sqlite:///{tmp_path / 'solution.db'}"
    with_schema(url)
    services = build_services(Settings(database_url=url, secret_key=SECRET))
    services.cross_train  # noqa: B018 - from now on a commit on a train reaches the other trains
    yield services
    services.engine.dispose()


@dataclass
class InSolution:
    services: Services
    side: Side
    solution_id: str
    a: str  # train A's board
    alpha: str  # A's team, which asks
    b: Synced  # train B, synced with the tracker
    atlas: str  # B's team, which provides
    keys: dict[str, str]  # the tracker's issues (side.plan)
    capability: str  # the feature a capability split made on each train

    def state(self, board_id: str) -> Any:
        return self.services.op_path.state(board_id)

    def dep(self, board_id: str, dep_id: str) -> Dependency:
        found: Dependency = self.state(board_id).of(Dependency)[dep_id]
        return found

    def plan_state(self, board_id: str, dep_id: str) -> DependencyState:
        return dependency_state(self.state(board_id), self.dep(board_id, dep_id))

    def health(self, board_id: str, dep_id: str) -> DependencyState:
        return dependency_health(self.state(board_id), self.dep(board_id, dep_id), date.today())

    def iteration(self, board_id: str, number: int) -> str:
        return next(i.id for i in self.state(board_id).iterations if i.number == number)

    def poll(self) -> None:
        report = self.b.sync.poll(self.b.board_id)
        assert not report.failed and not report.skipped, report
        assert report.applied, "the tracker's change came as an op"


def sprints(services: Services, board_id: str) -> None:
    """The tracker's sprints as the train's iterations 1 and 2 (the first sync finds them by name)."""
    for number, (start, end) in enumerate(SPRINTS, 1):
        args = {
            "number": number,
            "name": f"Sprint {number}",
            "start": start.isoformat(),
            "end": end.isoformat(),
        }
        services.op_path.submit(board_id, Op("iteration.create", None, None, args, new_id()), RTE)


def made(services: Services, board_id: str, op_type: str, actor: Actor = RTE, **args: Any) -> str:
    return str(
        services.op_path.submit(board_id, Op(op_type, None, None, args, new_id()), actor).changes[0].id
    )


@pytest.fixture
def in_solution(services: Services, side: Side) -> InSolution:
    """Trains A and B in one solution, a capability split into a feature on each, then B's first sync."""
    keys = side.plan()
    b = side.connect(services.op_path, services.trackers)
    b.sync = services.tracker_sync
    a = services.op_path.create_board("Train A", RTE)
    for board_id in (a, b.board_id):
        sprints(services, board_id)
    alpha = made(services, a, "team.create", name="Alpha")
    solution_id, _, ste_session = services.solutions.create("Payments", "PI 1", "Sofia")
    link = services.solutions.create_link(solution_id, "train")
    for board_id in (a, b.board_id):
        assert services.solutions.join_train(link, board_id, "Rita")
    ste = services.solutions.actor(solution_id, ste_session)
    capability = services.solutions.add_capability(solution_id, "Instant payments", "SEPA Instant", ste.name)
    split = split_capability(services, ste, solution_id, capability.id)
    assert split == {
        a: capability_feature_id(capability.id),
        b.board_id: capability_feature_id(capability.id),
    }
    b.sync.first_apply(b.board_id, RTE)
    atlas = next(t.id for t in b.state().of(Team).values() if t.name == "Atlas")
    return InSolution(
        services, side, solution_id, a, alpha, b, atlas, keys, capability_feature_id(capability.id)
    )


def ask_and_accept(s: InSolution, need_by: int = 1) -> str:
    """A's Alpha asks B's Atlas for work needed by iteration ``need_by``; Atlas accepts with story "one"
    (the tracker's "Pay by card", in sprint 1). Returns the request's id (its mirror is x-<id>)."""
    ann = Actor("ann", "Ann", Role.TEAM, s.alpha)
    need = made(
        s.services,
        s.a,
        "feature.create",
        title="Wallet",
        team_id=s.alpha,
        iteration_id=s.iteration(s.a, need_by),
    )
    dep = made(
        s.services,
        s.a,
        "dependency.create",
        ann,
        need="Card payments",
        requesting_team_id=s.alpha,
        requesting_feature_id=need,
        provider_train=f"{s.b.board_id}/{s.atlas}",
    )
    mirror = s.dep(s.b.board_id, f"x-{dep}")
    assert (mirror.provider_team_id, mirror.external_party) == (s.atlas, "Train A · Alpha")
    cleo = Actor("cleo", "Cleo", Role.TEAM, s.atlas)
    story = s.b.item(s.keys["one"])
    accept = Op("dependency.accept", mirror.id, mirror.version, {"provider_story_id": story.id}, new_id())
    s.services.op_path.submit(s.b.board_id, accept, cleo)
    assert s.plan_state(s.a, dep) == s.plan_state(s.b.board_id, mirror.id) == DependencyState.COMMITTED
    assert s.dep(s.a, dep).promised_iteration_id == s.iteration(s.a, 1)
    return dep


# --- 1. the first sync and the polls, on a train of a solution ---------------------------------------


def test_a_train_of_a_solution_syncs_and_its_capability_feature_stays_as_split(
    in_solution: InSolution,
) -> None:
    s, b = in_solution, in_solution.b
    product = s.side.product
    features = b.state().of(Feature)
    # The first sync imported the tracker's feature and stories beside the capability's feature, which
    # stays the solution's: not linked, not deleted, not imported a second time.
    assert sorted(f.title for f in features.values()) == ["Checkout", "Instant payments"]
    cap = features[s.capability]
    assert (cap.title, cap.description, cap.external_key) == ("Instant payments", "SEPA Instant", "")
    assert b.item(s.keys["feature"]).title == "Checkout" and b.item(s.keys["one"]).points == 5
    # The capability's feature planned by a team of B: the solution sees it planned.
    args = {"team_id": s.atlas, "iteration_id": s.iteration(b.board_id, 1)}
    s.services.op_path.submit(b.board_id, Op("feature.move", s.capability, cap.version, args, new_id()), RTE)
    # A poll brings the tracker's changes as ops by the tracker, as on a train of no solution.
    before = b.state().seq
    s.side.retitle(s.keys["one"], "Pay by card (3DS)")
    s.side.set_done(s.keys["two"])
    s.poll()
    assert b.item(s.keys["one"]).title == "Pay by card (3DS)"
    assert b.item(s.keys["two"]).status == StoryStatus.DONE
    events = s.services.op_path.events_since(b.board_id, before)
    assert {(e.actor.name, e.actor.tracker) for e in events} == {(product, True)}
    # A reconcile pass (which unlinks what left the tracker's scope) leaves it alone too.
    b.store.poll_now(b.board_id, b.sync.clock(), reconcile=True)
    s.side.retitle(s.keys["two"], "Pay by invoice (EU)")
    s.poll()
    after = b.state().of(Feature)
    assert after[s.capability].title == "Instant payments" and after[s.capability].external_key == ""
    assert len(after) == 2
    assert feature_progress(b.state(), s.capability) == Progress.PLANNED  # as the solution page says


def test_the_push_makes_the_capabilitys_feature_in_the_tracker_once_and_no_link_for_another_train(
    in_solution: InSolution,
) -> None:
    s, b = in_solution, in_solution.b
    ask_and_accept(s)  # B's mirror names story "one" as the work: the request is A's, not B's to link
    cap = b.state().of(Feature)[s.capability]
    args = {"team_id": s.atlas, "iteration_id": s.iteration(b.board_id, 1)}
    s.services.op_path.submit(b.board_id, Op("feature.move", s.capability, cap.version, args, new_id()), RTE)
    b.lock()
    report = s.services.tracker_push.push(b.board_id, RTE)
    assert not report.failed and not report.stopped
    # One write: the capability's feature made as the tracker's feature, titled as the capability; no
    # Blocks / Successor link for a cross-train request (its other end is on another train's board).
    ((write,),) = [report.written]
    assert (write.what, write.item_id, write.title) == ("create", s.capability, "Instant payments")
    linked = b.state().of(Feature)[s.capability]
    assert linked.external_key == write.issue and linked.title == "Instant payments"
    b.lock(False)
    before = {(f.id, f.external_key) for f in b.state().of(Feature).values()}
    polled = b.sync.poll(b.board_id)  # the new issue is read back: the same feature, not another
    assert polled.read and not polled.failed and not polled.skipped
    assert {(f.id, f.external_key) for f in b.state().of(Feature).values()} == before
    assert feature_progress(b.state(), s.capability) == Progress.PLANNED


# --- 2. and 3. the tracker's change reaches the other train ------------------------------------------


def test_a_story_moved_then_done_in_the_tracker_reaches_the_asking_train(in_solution: InSolution) -> None:
    s, b = in_solution, in_solution.b
    dep = ask_and_accept(s)
    mirror = f"x-{dep}"
    b.start_execution()  # once the PI runs, the sprint is the tracker's
    s.side.move_to_sprint_2(s.keys["one"])
    s.poll()
    # B's story is in iteration 2 now: the answer on A promises iteration 2, later than A needs it.
    assert b.item(s.keys["one"]).iteration_id == s.iteration(b.board_id, 2)
    assert s.dep(s.a, dep).promised_iteration_id == s.iteration(s.a, 2)
    assert s.plan_state(s.a, dep) == s.plan_state(b.board_id, mirror) == DependencyState.CONFLICT
    answered = [e for e in s.services.op_path.events_since(s.a, 0) if e.op.type == "crosstrain.answer"]
    assert answered[-1].actor.name == f"the solution for {s.side.product} of Rocket ART"
    # The story is done in the tracker: delivered, on both trains.
    s.side.set_done(s.keys["one"])
    s.poll()
    assert b.item(s.keys["one"]).status == StoryStatus.DONE
    assert s.health(b.board_id, mirror) == DependencyState.DONE
    assert s.plan_state(s.a, dep) == s.health(s.a, dep) == DependencyState.DONE


# --- 4. the tracker is no solution -------------------------------------------------------------------


def test_the_tracker_cannot_write_or_answer_the_other_trains_side(in_solution: InSolution) -> None:
    s, b = in_solution, in_solution.b
    dep = ask_and_accept(s)
    mirror = s.dep(b.board_id, f"x-{dep}")
    tracker = sync_actor(s.side.product)
    seqs = (s.state(s.a).seq, b.state().seq)
    answer = {"seq": 10**9, "status": "done", "answer": "", "promised_iteration_id": None}
    sent = [
        (s.a, Op("crosstrain.answer", dep, None, answer, new_id())),
        (b.board_id, Op("crosstrain.mirror", mirror.id, None, {"seq": 10**9, "withdrawn": True}, new_id())),
    ]
    for board_id, op in sent:
        with pytest.raises(Forbidden, match="only the solution writes another train's request or answer"):
            s.services.op_path.submit(board_id, op, tracker)
    # Nor with a train's own ops: the request is answered on B, the mirror changed on A.
    request = s.dep(s.a, dep)
    done_on_a = Op("dependency.done", dep, request.version, {}, new_id())
    with pytest.raises(Forbidden, match="answers this on its own train's board"):
        s.services.op_path.submit(s.a, done_on_a, tracker)
    edit_on_b = Op("dependency.update", mirror.id, mirror.version, {"need": "Cash"}, new_id())
    with pytest.raises(Forbidden, match="comes from Train A · Alpha"):
        s.services.op_path.submit(b.board_id, edit_on_b, tracker)
    assert (s.state(s.a).seq, b.state().seq) == seqs


# --- the command line's sync, a process of its own ----------------------------------------------------


def test_piboard_sync_of_a_train_writes_the_other_trains_side_at_once(
    in_solution: InSolution, tmp_path: Path
) -> None:
    s, b = in_solution, in_solution.b
    dep = ask_and_accept(s)
    b.start_execution()
    s.side.move_to_sprint_2(s.keys["one"])
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "PYTHONPATH": str(root),
        "PIBOARD_DATABASE_URL": s.services.settings.database_url,
        "PIBOARD_SECRET_KEY": SECRET,
    }
    polled = subprocess.run(
        [sys.executable, "-m", "server.cli", "sync", b.board_id],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert polled.returncode == 0, polled.stderr
    for board_id in (s.a, b.board_id):
        s.services.op_path.forget(board_id)  # committed by the other process
    assert b.state().get(Story, b.item(s.keys["one"]).id).iteration_id == s.iteration(b.board_id, 2)
    # Written by the command's own process right after its commit, not left to a later reconcile.
    assert s.dep(s.a, dep).promised_iteration_id == s.iteration(s.a, 2)
    assert s.plan_state(s.a, dep) == DependencyState.CONFLICT
