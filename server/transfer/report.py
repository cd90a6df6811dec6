"""The printable PI report: HTML (every user text escaped by Jinja2's autoescape) and PDF.

``pi_report_html(state)`` holds objectives per team with BV and actual BV, predictability
per team and for the ART, risks by ROAM state, dependencies and conflicts, vote results
(revealed rounds only), load per team and iteration, the program board picture, and, given
a baseline, what moved, was added or dropped. ``html_to_pdf(html)`` prints it with headless
Chromium.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from board.capacity import load_table
from board.compare import compare
from board.dependencies import cascade, delivering_iteration, dependency_state, is_conflict, needed_by
from board.labels import feature_title, iteration_name, natural_key, team_name
from board.model import BoardState, Roam
from board.objectives import Predictability, art_predictability, is_vague, team_predictability
from server.pages.charts import plan_vs_baseline_chart
from server.pages.sync import axis_name, build_sync, feature_rows
from server.transfer._report_template import REPORT_TEMPLATE
from server.transfer.common import percent, revealed_rounds, vote_scope
from server.transfer.picture import board_pages

CHROMIUM = os.environ.get("PIBOARD_CHROMIUM", "/usr/bin/chromium")
# The program board pages: A4 landscape less the 12 mm margins is 273 mm wide; the picture keeps
# 165 mm of the 186 mm high page (the heading has the rest). Its card titles print at 7 pt or more.
PT_PER_MM = 72 / 25.4
BOARD_WIDTH_PT = 273 * PT_PER_MM
BOARD_HEIGHT_PT = 165 * PT_PER_MM
MIN_TITLE_PT = 7.2
ROAM_ORDER = (Roam.UNROAMED, Roam.OWNED, Roam.ACCEPTED, Roam.MITIGATED, Roam.RESOLVED)

_ENV = Environment(autoescape=True, trim_blocks=True, lstrip_blocks=True)

TEMPLATE = _ENV.from_string(REPORT_TEMPLATE)


NOT_MEASURED = "not yet measured"


def _predictability_row(name: str, p: Predictability) -> dict[str, Any]:
    """A predictability figure as the report prints it: "not yet measured" until actual BV is rated;
    the ART's counts the rated teams only and says how many of how many."""
    measured = p.ratio is not None
    return {
        "name": name,
        "coverage": p.coverage,
        "planned_bv": p.planned_bv,
        "actual_bv": p.actual_bv if measured else "—",
        "percent": percent(p.ratio) if measured else NOT_MEASURED,
        "css": ("ok" if p.in_band else "bad") if measured else "",
        "band": ("in band" if p.in_band else "out of band") if measured else "—",
    }


def report_context(
    state: BoardState, *, baseline: BoardState | None = None, generated_at: str | None = None
) -> dict[str, Any]:
    """The data of the report (plain values; the template escapes them)."""
    meta = state.meta
    at_risk = cascade(state)
    art = art_predictability(state)
    teams = state.teams
    objective_teams = []
    predictability = []
    for team in teams:
        objs = [o for o in state.objectives if o.team_id == team.id]
        row = _predictability_row(team.name, team_predictability(state, team.id))
        predictability.append(row)
        if objs:
            objs.sort(key=lambda o: (not o.committed, -(o.planned_bv or 0)))
            objective_teams.append(
                {
                    "name": team.name,
                    "percent": row["percent"],
                    "objectives": [
                        {
                            "statement": o.statement,
                            "vague": is_vague(o.statement),
                            "committed": o.committed,
                            "planned_bv": o.planned_bv,
                            "actual_bv": o.actual_bv,
                            "features": "; ".join(feature_title(state, f) for f in o.feature_ids),
                            "at_risk": o.id in at_risk.objectives,
                        }
                        for o in objs
                    ],
                }
            )
    art_row = _predictability_row("ART", art)
    predictability.append(art_row)
    risk_groups = []
    for roam in ROAM_ORDER:
        risks = sorted((r for r in state.risks if r.roam == roam), key=lambda r: natural_key(r.title))
        risk_groups.append(
            {
                "label": "Not ROAMed yet" if roam == Roam.UNROAMED else roam.value.capitalize(),
                "risks": [
                    {
                        "title": r.title,
                        "owner": r.owner,
                        "team": team_name(state, r.team_id) or "ART",
                        "description": r.description,
                    }
                    for r in risks
                ],
            }
        )
    deps: list[dict[str, Any]] = []
    for d in state.dependencies:
        st = dependency_state(state, d)
        need, delivery = needed_by(state, d), delivering_iteration(state, d)
        deps.append(
            {
                "state": st.value,
                "state_label": st.value.upper() if is_conflict(st) else st.value,
                "conflict": is_conflict(st),
                "need": d.need,
                "feature": feature_title(state, d.requesting_feature_id),
                "requesting": team_name(state, d.requesting_team_id),
                "provider": team_name(state, d.provider_team_id) or f"External: {d.external_party}",
                "needed_by": iteration_name(need) if need else "",
                "delivery": iteration_name(delivery) if delivery else "",
                "comment": d.comment,
            }
        )
    deps.sort(key=lambda d: (not d["conflict"], natural_key(d["requesting"]), natural_key(d["need"])))
    votes = [
        {
            "scope": vote_scope(state, vote),
            "number": vote.number,
            "count": tally.count,
            "average": "—" if tally.average is None else f"{tally.average:.2f}",
            "css": "" if tally.average is None else ("bad" if tally.needs_rework else "ok"),
            "distribution": sorted(tally.distribution.items()),
            "art": vote.team_id is None,
        }
        for vote, tally in revealed_rounds(state)
    ]
    art_votes = [v for v in votes if v["art"]]
    art_vote = (
        {
            "average": art_votes[-1]["average"],
            "css": art_votes[-1]["css"],
            "note": f"round {art_votes[-1]['number']}, {art_votes[-1]['count']} votes",
        }
        if art_votes
        else {"average": "—", "css": "", "note": "no ART round revealed"}
    )
    loads = load_table(state)
    iterations = state.iterations
    load_rows = [
        {
            "team": team.name,
            "cells": [
                {
                    "load": loads[(team.id, it.id)].load,
                    "capacity": f"{loads[(team.id, it.id)].capacity:g}",
                    "percent": percent(loads[(team.id, it.id)].ratio),
                    "css": "overloaded" if loads[(team.id, it.id)].overloaded else "",
                }
                for it in iterations
            ],
        }
        for team in teams
    ]
    return {
        "title": " — ".join(x for x in (meta.name, meta.pi_name) if x),
        "meta": meta,
        "generated_at": generated_at or dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "art": art_row,
        "conflicts": sum(1 for d in deps if d["conflict"]),
        "unroamed": len(risk_groups[0]["risks"]),
        "risk_total": len(state.risks),
        "overloaded": sum(1 for load in loads.values() if load.overloaded),
        "art_vote": art_vote,
        "objective_teams": objective_teams,
        "predictability": predictability,
        "risk_groups": risk_groups,
        "dependencies": deps,
        "votes": votes,
        "iterations": [iteration_name(it) for it in iterations],
        "load_rows": load_rows,
        "baseline": None if baseline is None else compare(baseline, state),
    }


FEATURE_ROWS_PER_PAGE = 20


def _feature_charts(state: BoardState, baseline: BoardState | None) -> list[Markup]:
    """The features' plan against the baseline, one chart a page: a single chart of every feature ran
    over several pages as one picture that Chromium cannot break, leaving a blank page behind."""
    rows = feature_rows(state, baseline if baseline is not None else state)
    labels = [(iteration_name(it), axis_name(it)) for it in state.iterations]
    chunks = [rows[n : n + FEATURE_ROWS_PER_PAGE] for n in range(0, len(rows), FEATURE_ROWS_PER_PAGE)] or [[]]
    title = "Features: baseline ○, now ●, done"
    return [
        plan_vs_baseline_chart(chunk, labels, f"{title} ({n} of {len(chunks)})" if len(chunks) > 1 else title)
        for n, chunk in enumerate(chunks, 1)
    ]


def pi_report_html(
    state: BoardState,
    *,
    baseline: BoardState | None = None,
    generated_at: str | None = None,
    today: dt.date | None = None,
) -> str:
    """The printable PI report as a standalone HTML page (no scripts, nothing fetched). Once the
    PI's execution has started, ``today`` adds how it is going: figures, charts and alerts."""
    context = report_context(state, baseline=baseline, generated_at=generated_at)
    running = today is not None and state.meta.execution_started
    context["execution"] = build_sync(state, baseline, today) if running and today is not None else None
    context["feature_charts"] = _feature_charts(state, baseline) if context["execution"] else []
    names = {t.id: t.name for t in state.teams}
    pages = board_pages(state, width_pt=BOARD_WIDTH_PT, height_pt=BOARD_HEIGHT_PT, min_title_pt=MIN_TITLE_PT)
    context["board_pages"] = [
        {
            # The SVG is built by picture.py, which escapes every user text itself.
            "svg": Markup(svg.split("?>", 1)[1] if svg.startswith("<?xml") else svg),
            "teams": [names[t] for t in teams],
        }
        for teams, svg in pages
    ]
    return TEMPLATE.render(**context)


class PdfError(RuntimeError):
    """Chromium could not print the report."""


def html_to_pdf(html: str, *, timeout: float = 90.0, chromium: str | None = None) -> bytes:
    """Print ``html`` to PDF with headless Chromium; a fresh profile in a temporary folder."""
    exe = chromium or CHROMIUM
    if not (Path(exe).exists() or shutil.which(exe)):
        raise PdfError(f"Chromium not found at {exe}: install chromium or set PIBOARD_CHROMIUM")
    with tempfile.TemporaryDirectory(prefix="piboard-pdf-") as tmp:
        src = Path(tmp) / "report.html"
        out = Path(tmp) / "report.pdf"
        src.write_text(html, encoding="utf-8")
        cmd = [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--no-first-run",
            "--no-pdf-header-footer",
            f"--user-data-dir={tmp}/profile",
            f"--print-to-pdf={out}",
            src.as_uri(),
        ]
        env = {**os.environ, "HOME": tmp}
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=timeout, env=env, check=False)
        except subprocess.TimeoutExpired:
            raise PdfError(f"Chromium did not finish printing within {timeout:g} s") from None
        if not out.exists() or out.stat().st_size == 0:
            tail = proc.stderr.decode("utf-8", "replace")[-500:]
            raise PdfError(f"Chromium printed no PDF (exit {proc.returncode}): {tail}")
        data = out.read_bytes()
    if not data.startswith(b"%PDF"):
        raise PdfError("Chromium wrote something that is not a PDF")
    return data
