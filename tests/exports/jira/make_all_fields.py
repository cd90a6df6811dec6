"""Writes ``cloud_all_fields.csv``: a Jira Cloud "Export Excel CSV (all fields)" of a company-managed
project, in the shape Jira writes it (269 columns).

Shape, after Jira's documentation and real exports: system fields first, then one column per
value of a multi-valued field under the same header (``Watchers``, ``Attachment``, ``Sprint``,
``Comment``, ``Component/s``, ``Labels``, link columns ``Inward/Outward issue link (<type>)``),
then every custom field of the site as ``Custom field (<name>)``, most of them empty; dates as
``12/Mar/24 9:15 AM``; numbers as ``5.0``; comments and attachments as ``date;account id;text``;
multi-line text quoted; CRLF line ends. Run it to regenerate the file; the tests read the file.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

SYSTEM = [
    "Summary", "Issue key", "Issue id", "Issue Type", "Status", "Project key", "Project name",
    "Project type", "Project lead", "Project lead id", "Project description", "Project url",
    "Priority", "Resolution", "Assignee", "Assignee Id", "Reporter", "Reporter Id", "Creator",
    "Creator Id", "Created", "Updated", "Last Viewed", "Resolved", "Affects versions",
    "Fix versions", "Fix versions", "Component/s", "Component/s", "Due date", "Votes", "Labels",
    "Labels", "Labels", "Description", "Environment", "Watchers", "Watchers Id", "Watchers",
    "Watchers Id", "Watchers", "Watchers Id", "Watchers", "Watchers Id", "Log Work",
    "Original estimate", "Remaining Estimate", "Time Spent", "Work Ratio", "Σ Original Estimate",
    "Σ Remaining Estimate", "Σ Time Spent", "Security Level",
    "Inward issue link (Blocks)", "Inward issue link (Blocks)", "Outward issue link (Blocks)",
    "Outward issue link (Blocks)", "Outward issue link (Cloners)", "Inward issue link (Duplicate)",
    "Outward issue link (Duplicate)", "Inward issue link (Relates)", "Outward issue link (Relates)",
    "Attachment", "Attachment", "Attachment",
]
NAMED_CUSTOM = [
    "Custom field (Actual end)", "Custom field (Actual start)", "Custom field (Affected services)",
    "Custom field (Approvals)", "Custom field (Category)", "Custom field (Change reason)",
    "Custom field (Change risk)", "Custom field (Change type)", "Custom field (Design)",
    "Custom field (Development)", "Custom field (Epic Color)", "Custom field (Epic Link)",
    "Custom field (Epic Name)", "Custom field (Epic Status)", "Custom field (Flagged)",
    "Custom field (Goals)", "Custom field (Impact)", "Custom field (Issue color)",
    "Custom field (Locked forms)", "Custom field (Open forms)", "Custom field (Parent Link)",
    "Custom field (Rank)", "Custom field (Request Type)", "Custom field (Request language)",
    "Custom field (Satisfaction)", "Custom field (Severity)", "Custom field (Start date)",
    "Custom field (Story Points)", "Custom field (Story point estimate)", "Custom field (Submitted forms)",
    "Custom field (Target end)", "Custom field (Target start)", "Custom field (Team)",
    "Custom field (Team Name)", "Custom field (Time to first response)", "Custom field (Time to resolution)",
    "Custom field (Total forms)", "Custom field (Urgency)", "Custom field (Vulnerability)",
    "Custom field (Work category)", "Custom field ([CHART] Date of First Response)",
    "Custom field ([CHART] Time in Status)", "Custom field (Sentiment)", "Custom field (Organizations)",
    "Custom field (Product categorization)", "Custom field (Pending reason)", "Custom field (Operational categorization)",
    "Custom field (Major incident)", "Custom field (Investigation reason)", "Custom field (Customer Request Type)",
]
TAIL = [
    "Sprint", "Sprint", "Sprint", "Comment", "Comment", "Comment", "Comment", "Parent",
    "Parent summary", "Status Category", "Status Category Changed",
]
WIDTH = 269
# A site's other custom fields (apps, old projects): named like real ones, empty in this project.
FILLER = [
    f"Custom field ({name} {n})"
    for n in range(1, 200)
    for name in ("Checklist", "Reviewer", "Release note", "Customer")
][: WIDTH - len(SYSTEM) - len(NAMED_CUSTOM) - len(TAIL)]
HEADER = SYSTEM + NAMED_CUSTOM + FILLER + TAIL

PRIYA = "5b10ac8d82e05b22cc7d4ef5"
MEI = "712020:0a4c1e55-3b7f-4c2a-8e1d-7f9a2b6c4d30"
LUIS = "712020:6f1b5c2e-8a1d-4f0e-9d52-1c3b7a9e0f11"
NAMES = {PRIYA: "Priya Raman", MEI: "Mei Chen", LUIS: "Luis Ortega"}

# key, id, type, status, category, summary, components, sprints, points (Story Points, Story point
# estimate), epic key, parent id, blocks (outward), blocked by (inward), other links, description
ISSUES = [
    ("PHX-1", "10100", "Epic", "In Progress", "In Progress", "One-page checkout", [], [], ("", ""), "", "", [], [], {}, "Guests pay on one page.\n\nAcceptance:\n* conversion +2 %"),
    ("PHX-2", "10101", "Epic", "To Do", "To Do", "Search that forgives typos", [], [], ("", ""), "", "", [], [], {}, "Fuzzy product search."),
    ("PHX-3", "10102", "Epic", "To Do", "To Do", "Saved carts across devices", [], [], ("", ""), "", "", [], [], {}, ""),
    ("PHX-10", "10110", "Story", "Done", "Done", "Address form on the payment page", ["Checkout"], ["PHX Sprint 0", "PHX Sprint 1"], ("5.0", ""), "PHX-1", "10100", ["PHX-11"], [], {"Relates": ["PHX-2"]}, "As a guest I enter my address where I pay."),
    ("PHX-11", "10111", "Story", "In Progress", "In Progress", "Card payment inline", ["Checkout"], ["PHX Sprint 1", "PHX Sprint 2"], ("8.0", ""), "PHX-1", "10100", [], ["PHX-10"], {}, "Card fields inline, 3-D Secure in a modal."),
    ("PHX-12", "10112", "Story", "To Do", "To Do", "Apple Pay and Google Pay", ["Checkout"], ["PHX Sprint 2"], ("5.0", ""), "PHX-1", "10100", [], ["PAYGW-88"], {}, ""),
    ("PHX-13", "10113", "Story", "To Do", "To Do", "Order summary sidebar", ["Checkout"], ["PHX Sprint 3"], ("3.0", ""), "PHX-1", "10100", [], [], {}, "Sticky on desktop, collapsible on mobile."),
    ("PHX-14", "10114", "Bug", "To Do", "To Do", "Coupon code field loses focus", ["Checkout"], ["PHX Sprint 2"], ("2.0", ""), "PHX-1", "10100", [], [], {"Cloners": ["PHX-15"]}, "Steps:\n1. type a code\n2. tab away\nActual: field empties"),
    ("PHX-15", "10115", "Bug", "To Do", "To Do", "Coupon code field loses focus (Safari)", ["Checkout"], [], ("", "1"), "PHX-1", "10100", [], [], {}, ""),
    ("PHX-20", "10120", "Story", "In Progress", "In Progress", "Typo-tolerant query parser", ["Search"], ["PHX Sprint 1"], ("", "8"), "PHX-2", "10101", ["PHX-21", "PHX-12"], [], {}, "Damerau-Levenshtein distance 1 for words over 4 letters."),
    ("PHX-21", "10121", "Story", "To Do", "To Do", "Did-you-mean suggestions", ["Search"], ["PHX Sprint 2"], ("5.0", ""), "PHX-2", "10101", [], ["PHX-20"], {}, ""),
    ("PHX-22", "10122", "Story", "To Do", "To Do", "Search analytics dashboard", ["Search"], ["PHX Sprint 3"], ("3.0", ""), "PHX-2", "10101", [], [], {}, ""),
    ("PHX-23", "10123", "Task", "To Do", "To Do", "Reindex the catalogue nightly", ["Search"], ["PHX Sprint 0"], ("2.0", ""), "PHX-2", "10101", [], [], {}, ""),
    ("PHX-24", "10124", "Story", "To Do", "To Do", "Synonyms managed by merchandising", ["Search"], [], ("5.0", ""), "PHX-2", "10101", [], [], {"Duplicate": ["PHX-25"]}, ""),
    ("PHX-25", "10125", "Story", "Done", "Done", "Synonym list", ["Search"], ["PHX Sprint 0"], ("1.0", ""), "", "", [], [], {}, "Old request, see PHX-24."),
    ("PHX-30", "10130", "Story", "To Do", "To Do", "Persist the cart for signed-in users", ["Checkout", "Accounts"], ["PHX Sprint 3"], ("8.0", ""), "PHX-3", "10102", [], ["PHX-31"], {}, ""),
    ("PHX-31", "10131", "Story", "To Do", "To Do", "Cart API on the account service", ["Accounts"], ["PHX Sprint 2"], ("5.0", ""), "PHX-3", "10102", ["PHX-30"], [], {}, ""),
    ("PHX-32", "10132", "Task", "To Do", "To Do", "Decide the cart retention period with legal", ["Accounts"], [], ("", ""), "PHX-3", "10102", [], [], {}, ""),
    ("PHX-33", "10133", "Bug", "In Progress", "In Progress", "Cart badge shows 0 after login", ["Accounts"], ["PHX Sprint 1"], ("3.0", ""), "PHX-3", "10102", [], [], {}, "Happens on every second login."),
    ("PHX-40", "10140", "Sub-task", "Done", "Done", "Unit tests for the address form", ["Checkout"], ["PHX Sprint 1"], ("", ""), "", "10110", [], [], {}, ""),
    ("PHX-41", "10141", "Sub-task", "In Progress", "In Progress", "3-D Secure modal", ["Checkout"], ["PHX Sprint 2"], ("2.0", ""), "", "10111", [], [], {}, ""),
    ("PHX-42", "10142", "Task", "To Do", "To Do", "Load test of the checkout flow", ["Checkout"], ["PHX Sprint 3"], ("3.0", ""), "PHX-1", "10100", [], [], {}, ""),
]


def _row(issue: tuple) -> list[str]:  # type: ignore[type-arg]
    key, iid, itype, status, category, summary, comps, sprints, points, epic, parent, blocks, blocked, other, desc = issue
    n = int(iid) - 10100
    assignee = [PRIYA, MEI, LUIS][n % 3]
    cells: dict[str, list[str]] = {
        "Summary": [summary], "Issue key": [key], "Issue id": [iid], "Issue Type": [itype],
        "Status": [status], "Project key": ["PHX"], "Project name": ["Phoenix Commerce"],
        "Project type": ["software"], "Project lead": ["Priya Raman"], "Project lead id": [PRIYA],
        "Project url": ["https://phoenix.atlassian.net"], "Priority": [["Medium", "High", "Low"][n % 3]],
        "Resolution": ["Done"] if category == "Done" else [], "Assignee": [NAMES[assignee]],
        "Assignee Id": [assignee], "Reporter": ["Priya Raman"], "Reporter Id": [PRIYA],
        "Creator": ["Priya Raman"], "Creator Id": [PRIYA], "Created": [f"{4 + n % 20:02d}/Mar/24 9:15 AM"],
        "Updated": [f"{5 + n % 20:02d}/Apr/24 {1 + n % 11}:0{n % 6} PM"],
        "Resolved": [f"{6 + n % 20:02d}/Apr/24 10:00 AM"] if category == "Done" else [],
        "Fix versions": ["2024.2"] if itype != "Epic" else [], "Component/s": comps,
        "Votes": [str(n % 3)], "Labels": ["pi-24.2", "web"][: 1 + n % 2], "Description": [desc],
        "Watchers": [NAMES[w] for w in (PRIYA, assignee)][: 1 + (n % 2)],
        "Watchers Id": [w for w in (PRIYA, assignee)][: 1 + (n % 2)],
        "Log Work": ["Worked on it;05/Apr/24 2:00 PM;" + assignee + ";7200"] if category != "To Do" else [],
        "Original estimate": ["28800"] if itype == "Task" else [],
        "Inward issue link (Blocks)": blocked, "Outward issue link (Blocks)": blocks,
        "Attachment": [f"0{1 + n % 9}/Apr/24 11:2{n % 9} AM;{assignee};screen-{n}.png;https://phoenix.atlassian.net/rest/api/3/attachment/content/{20000 + n}"] if n % 4 == 0 else [],
        "Custom field (Development)": ["{}"],
        "Custom field (Epic Link)": [epic] if epic else [],
        "Custom field (Epic Name)": [summary] if itype == "Epic" else [],
        "Custom field (Epic Status)": [status] if itype == "Epic" else [],
        "Custom field (Epic Color)": ["ghx-label-4"] if itype == "Epic" else [],
        "Custom field (Issue color)": ["purple"] if itype == "Epic" else [],
        "Custom field (Rank)": [f"0|i0{n:04d}:"],
        "Custom field (Story Points)": [points[0]] if points[0] else [],
        "Custom field (Story point estimate)": [points[1]] if points[1] else [],
        "Custom field (Start date)": ["2024-03-18"] if itype == "Epic" else [],
        "Sprint": sprints,
        "Comment": [f"0{1 + n % 9}/Apr/24 3:0{n % 9} PM;{MEI};Looked at it with design.\nOpen question: \"guest\" vs \"visitor\" wording."] if n % 3 == 0 else [],
        "Parent": [parent] if parent else [],
        "Parent summary": [next(i[5] for i in ISSUES if i[1] == parent)] if parent else [],
        "Status Category": [category], "Status Category Changed": ["01/Apr/24 9:00 AM"],
    }
    for link_type, keys in other.items():
        cells[f"Outward issue link ({link_type})"] = keys
    out: list[str] = []
    used: dict[str, int] = {}
    for header in HEADER:
        index = used.get(header, 0)
        used[header] = index + 1
        values = cells.get(header, [])
        out.append(values[index] if index < len(values) else "")
    return out


def main() -> None:
    assert len(HEADER) == WIDTH, len(HEADER)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(HEADER)
    for issue in ISSUES:
        writer.writerow(_row(issue))
    Path(__file__).with_name("cloud_all_fields.csv").write_text(buf.getvalue(), encoding="utf-8", newline="")


if __name__ == "__main__":
    main()
