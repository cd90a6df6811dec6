"""The subset of WIQL (Work Item Query Language) the Azure DevOps emulator answers, as the service does.

``SELECT [field], … FROM WorkItems [WHERE condition] [ORDER BY [field] [ASC|DESC], …]`` where a condition
is built from ``AND``, ``OR``, ``NOT`` and parentheses over ``[field] op value``: ``=``, ``<>``, ``<``,
``>``, ``<=``, ``>=``, ``[NOT] IN (v, …)`` and ``[NOT] UNDER 'path'`` (tree paths only). Values are
'strings' (or "strings"), unquoted numbers, and the macros ``@project`` and ``@today`` (``@today - 7``).
Fields are named by reference name (``[System.State]``) or by friendly name (``[State]``), in any case.

As on the service (https://learn.microsoft.com/azure/devops/boards/queries/wiql-syntax): string
comparisons ignore case; a date with a time of day is refused unless the request asked for
``timePrecision=true``; a field that does not exist is TF51005, broken syntax TF51006, and more than
20,000 results VS402337. Anything else WIQL has (``ASOF``, ``EVER``, ``CONTAINS``, link queries) is
refused as syntax the emulator does not know, so a client relying on it fails loudly here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

MAX_RESULTS = 20_000

Row = Mapping[str, Any]
Predicate = Callable[[Row], bool]


@dataclass(frozen=True)
class FieldDef:
    """A work item field: its reference name, its friendly name and its type as /_apis/wit/fields says."""

    ref: str
    name: str
    type: str  # "string", "integer", "double", "dateTime", "treePath", "html", "plainText", "boolean"


class WiqlError(Exception):
    """A query the service refuses with 400; ``type_key`` is the error's ``typeKey``."""

    def __init__(self, message: str, type_key: str = "WorkItemTrackingQueryException") -> None:
        super().__init__(message)
        self.message = message
        self.type_key = type_key


@dataclass(frozen=True)
class Query:
    fields: tuple[FieldDef, ...]
    where: Predicate
    order: tuple[tuple[FieldDef, bool], ...]  # (field, descending)


def syntax_error(expecting: str, token: str) -> WiqlError:
    return WiqlError(
        f"TF51006: The query statement is not valid: expecting {expecting}. "
        f"The error is caused by «{token}».",
        "WorkItemTrackingQuerySyntaxException",
    )


TOKEN = re.compile(
    r"""\s*(?:
      (?P<field>\[[^\]]*\])
    | (?P<string>'(?:[^']|'')*'|"(?:[^"]|"")*")
    | (?P<number>\d+(?:\.\d+)?)
    | (?P<macro>@\w+)
    | (?P<op><>|>=|<=|=|<|>|\(|\)|,|\+|-)
    | (?P<word>[A-Za-z_][\w.]*)
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    kind: str  # "field", "string", "number", "macro", "op", "word", "end"
    text: str

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = TOKEN.match(text, pos)
        if not match or match.lastgroup is None:
            raise syntax_error("a field, a value or an operator", text[pos:].strip()[:20])
        tokens.append(Token(match.lastgroup, match.group(match.lastgroup)))
        pos = match.end()
    tokens.append(Token("end", ""))
    return tokens


def field_lookup(fields: Iterable[FieldDef]) -> dict[str, FieldDef]:
    """Every field by its reference name and by its friendly name, case-folded, as WIQL finds them."""
    lookup: dict[str, FieldDef] = {}
    for f in fields:
        lookup[f.name.casefold()] = f
        lookup[f.ref.casefold()] = f
    return lookup


def parse_date(text: str, time_precision: bool, clause: str) -> datetime | date:
    """A datetime when the query has time precision, else a date; a time without precision is refused."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise WiqlError(
            f"TF51011: The specified date/time is not valid. The error is caused by «{text}».",
            "WorkItemTrackingQueryInvalidDateException",
        ) from exc
    has_time = "T" in text or ":" in text
    if not time_precision:
        if has_time:
            raise WiqlError(
                "You cannot supply a time with the date when running a query using date precision. "
                f"The error is caused by «{clause}».",
                "WorkItemTrackingQueryDatePrecisionException",
            )
        return moment.date()
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


class Parser:
    def __init__(self, text: str, fields: Mapping[str, FieldDef], project: str, time_precision: bool) -> None:
        self.tokens = tokenize(text)
        self.pos = 0
        self.fields = fields
        self.project = project
        self.time_precision = time_precision

    @property
    def token(self) -> Token:
        return self.tokens[self.pos]

    def take(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def expect_word(self, *words: str) -> None:
        if not self.token.is_word(*words):
            raise syntax_error(" ".join(words), self.token.text or "end of query")
        self.take()

    def expect_op(self, op: str) -> None:
        if self.token != Token("op", op):
            raise syntax_error(f"'{op}'", self.token.text or "end of query")
        self.take()

    def field(self) -> FieldDef:
        token = self.take()
        if token.kind != "field":
            raise syntax_error("a field in brackets", token.text or "end of query")
        found = self.fields.get(token.text[1:-1].strip().casefold())
        if found is None:
            raise WiqlError(
                "TF51005: The query references a field that does not exist. "
                f"The error is caused by «{token.text}».",
                "WorkItemTrackingQueryFieldDoesNotExistException",
            )
        return found

    def query(self) -> Query:
        self.expect_word("SELECT")
        selected = [self.field()]
        while self.token == Token("op", ","):
            self.take()
            selected.append(self.field())
        if not self.token.is_word("FROM"):
            raise WiqlError(
                f"TF51006: The query statement is missing a FROM clause. "
                f"The error is caused by «{self.token.text or 'end of query'}».",
                "WorkItemTrackingQuerySyntaxException",
            )
        self.take()
        self.expect_word("WORKITEMS")
        where: Predicate = lambda row: True  # noqa: E731 — no WHERE: every work item
        if self.token.is_word("WHERE"):
            self.take()
            where = self.disjunction()
        order: list[tuple[FieldDef, bool]] = []
        if self.token.is_word("ORDER"):
            self.take()
            self.expect_word("BY")
            order.append(self.order_key())
            while self.token == Token("op", ","):
                self.take()
                order.append(self.order_key())
        if self.token.kind != "end":
            raise syntax_error("end of query", self.token.text)
        return Query(tuple(selected), where, tuple(order))

    def order_key(self) -> tuple[FieldDef, bool]:
        f = self.field()
        if self.token.is_word("ASC", "DESC"):
            return f, self.take().text.upper() == "DESC"
        return f, False

    def disjunction(self) -> Predicate:
        terms = [self.conjunction()]
        while self.token.is_word("OR"):
            self.take()
            terms.append(self.conjunction())
        if len(terms) == 1:
            return terms[0]
        return lambda row: any(t(row) for t in terms)

    def conjunction(self) -> Predicate:
        factors = [self.factor()]
        while self.token.is_word("AND"):
            self.take()
            factors.append(self.factor())
        if len(factors) == 1:
            return factors[0]
        return lambda row: all(f(row) for f in factors)

    def factor(self) -> Predicate:
        if self.token.is_word("NOT"):
            self.take()
            inner = self.factor()
            return lambda row: not inner(row)
        if self.token == Token("op", "("):
            self.take()
            inner = self.disjunction()
            self.expect_op(")")
            return inner
        return self.condition()

    def condition(self) -> Predicate:
        start = self.pos
        f = self.field()
        negate = False
        if self.token.is_word("NOT"):
            self.take()
            negate = True
        op = self.take()
        if op.is_word("IN"):
            self.expect_op("(")
            values = [self.value(f, start)]
            while self.token == Token("op", ","):
                self.take()
                values.append(self.value(f, start))
            self.expect_op(")")
            test = in_list(f, values)
        elif op.is_word("UNDER"):
            if f.type != "treePath":
                raise syntax_error(f"an operator valid for {f.ref}", "UNDER")
            test = under(f, str(self.value(f, start)))
        elif op.kind == "op" and op.text in COMPARISONS and not negate:
            test = compare(f, op.text, self.value(f, start))
        else:
            raise syntax_error("a comparison operator", op.text or "end of query")
        if negate:
            inner = test
            return lambda row: not inner(row)
        return test

    def value(self, f: FieldDef, clause_start: int) -> Any:
        token = self.take()
        if token.kind == "macro":
            return self.macro(token, f)
        if token.kind == "number":
            if f.type not in {"integer", "double"}:
                raise syntax_error(f"a quoted value for {f.ref}", token.text)
            return float(token.text) if f.type == "double" else int(float(token.text))
        if token.kind != "string":
            raise syntax_error("a value", token.text or "end of query")
        quote = token.text[0]
        text = token.text[1:-1].replace(quote * 2, quote)
        if f.type == "dateTime":
            clause = " ".join(t.text for t in self.tokens[clause_start : self.pos])
            return parse_date(text, self.time_precision, clause)
        if f.type in {"integer", "double"}:
            raise syntax_error(f"a number for {f.ref}", token.text)
        return text

    def macro(self, token: Token, f: FieldDef) -> Any:
        name = token.text.casefold()
        if name == "@project" and self.project and f.type in {"string", "treePath"}:
            return self.project
        if name == "@today" and f.type == "dateTime":
            days = 0
            if self.token in (Token("op", "+"), Token("op", "-")):
                sign = 1 if self.take().text == "+" else -1
                amount = self.take()
                if amount.kind != "number":
                    raise syntax_error("a number of days", amount.text or "end of query")
                days = sign * int(float(amount.text))
            today = datetime.now(UTC).date() + timedelta(days=days)
            return datetime.combine(today, time(), UTC) if self.time_precision else today
        raise WiqlError(
            "TF51011: The specified macro does not exist or is not valid here. "
            f"The error is caused by «{token.text}».",
            "WorkItemTrackingQueryMacroException",
        )


def comparable(f: FieldDef, value: Any, literal: Any) -> Any:
    """The row's value in the literal's terms: folded text, a date at day precision, a number as is."""
    if value is None:
        return None
    if isinstance(literal, date):  # a datetime is a date too
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
        return moment if isinstance(literal, datetime) else moment.astimezone(UTC).date()
    if isinstance(literal, str):
        return str(value).casefold()
    return value


def fold(literal: Any) -> Any:
    return literal.casefold() if isinstance(literal, str) else literal


COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "<>": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


def compare(f: FieldDef, op: str, literal: Any) -> Predicate:
    test = COMPARISONS[op]
    target = fold(literal)
    empty_text = isinstance(literal, str)

    def predicate(row: Row) -> bool:
        value = comparable(f, row.get(f.ref), literal)
        if value is None:
            if empty_text:  # an empty text field compares as ''
                return test("", target)
            return op == "<>"
        return test(value, target)

    return predicate


def in_list(f: FieldDef, literals: Sequence[Any]) -> Predicate:
    targets = {fold(v) for v in literals}
    sample = literals[0]
    return lambda row: comparable(f, row.get(f.ref), sample) in targets


def under(f: FieldDef, path: str) -> Predicate:
    root = path.casefold().rstrip("\\")
    prefix = root + "\\"

    def predicate(row: Row) -> bool:
        value = str(row.get(f.ref) or "").casefold()
        return value == root or value.startswith(prefix)

    return predicate


def parse(text: str, *, fields: Iterable[FieldDef], project: str, time_precision: bool) -> Query:
    return Parser(text, field_lookup(fields), project, time_precision).query()


def run(query: Query, rows: Iterable[Row]) -> list[int]:
    """The ids of the rows the query selects, in its order (by id when it names none)."""
    selected = [row for row in rows if query.where(row)]
    if len(selected) > MAX_RESULTS:
        raise WiqlError(
            f"VS402337: The number of work items returned exceeds the size limit of {MAX_RESULTS}. "
            "Change the query to return fewer items.",
            "WorkItemTrackingQueryResultSizeLimitExceededException",
        )
    selected.sort(key=lambda row: row["System.Id"])
    for f, descending in reversed(query.order):
        present = [row for row in selected if row.get(f.ref) is not None]
        missing = [row for row in selected if row.get(f.ref) is None]
        present.sort(key=lambda row: sort_key(row[f.ref]), reverse=descending)
        selected = missing + present if not descending else present + missing
    return [int(row["System.Id"]) for row in selected]


def sort_key(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value
