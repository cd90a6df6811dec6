"""The static files' hashed names (server/pages/static_files.py): a file's name changes with its content
and only then, so a browser that keeps a file for a year never keeps a stale one."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.pages.static_files import StaticFolder, content_coding, stripped
from server.pages.templating import STATIC


def test_a_hashed_name_changes_when_the_file_changes(tmp_path: Path) -> None:
    (tmp_path / "vendor").mkdir()
    (tmp_path / "board.js").write_text("let a = 1;\n")
    (tmp_path / "vendor" / "htmx-2.0.11.min.js").write_text("htmx\n")
    (tmp_path / "__init__.py").write_text("")
    before = StaticFolder(tmp_path)
    assert before.url("board.js").startswith("/static/board.") and before.url("board.js").endswith(".js")
    assert before.url("vendor/htmx-2.0.11.min.js").startswith("/static/vendor/htmx-2.0.11.min.")

    (tmp_path / "board.js").write_text("let a = 2;\n")
    after = StaticFolder(tmp_path)
    assert after.url("board.js") != before.url("board.js")
    assert after.url("vendor/htmx-2.0.11.min.js") == before.url("vendor/htmx-2.0.11.min.js")


def test_an_unknown_file_is_an_error_where_the_page_names_it(tmp_path: Path) -> None:
    (tmp_path / "__init__.py").write_text("")
    with pytest.raises(LookupError, match=r"board\.js"):
        StaticFolder(tmp_path).url("board.js")
    with pytest.raises(LookupError):
        StaticFolder(tmp_path).url("__init__.py")


def test_a_bundle_is_its_files_in_order_and_changes_with_any_of_them(tmp_path: Path) -> None:
    (tmp_path / "a.js").write_text("(function () { window.order = ['a']; })();\n")
    (tmp_path / "b.js").write_text('"use strict";\n(function () { window.order.push("b"); })();\n')
    bundles = {"ab.js": ("a.js", "b.js")}
    before = StaticFolder(tmp_path, bundles=bundles)
    body = before.files[before.url("ab.js").removeprefix("/static/")][0].body.decode()
    assert body.startswith('"use strict";')  # every part stays strict: the directive is the bundle's
    assert body.index("window.order = ['a']") < body.index('window.order.push("b")')
    assert body.count("try {") == 2  # a part that throws while loading stops only itself

    (tmp_path / "b.js").write_text('"use strict";\n(function () { window.order.push("B"); })();\n')
    assert StaticFolder(tmp_path, bundles=bundles).url("ab.js") != before.url("ab.js")
    with pytest.raises(ValueError, match="name of a file"):
        StaticFolder(tmp_path, bundles={"a.js": ("b.js",)})


def test_a_bundle_goes_without_comments_and_indentation_but_keeps_every_line_of_code(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.js").write_text(
        "// what a.js is for\n(function () {\n  /* why,\n     at length */\n  var a = 1; // kept\n\n"
        "  window.a = a;\n})();\n"
    )
    (tmp_path / "a.css").write_text("/* the layout */\n.a {\n  color: red; /* why */\n}\n")
    folder = StaticFolder(tmp_path, bundles={"b.js": ("a.js",), "b.css": ("a.css",)})
    script = folder.files[folder.url("b.js").removeprefix("/static/")][0].body.decode()
    assert "(function () {\nvar a = 1; // kept\nwindow.a = a;\n})();" in script
    assert "what a.js is for" not in script and "at length" not in script
    style = folder.files[folder.url("b.css").removeprefix("/static/")][0].body.decode()
    assert ".a {\ncolor: red;\n}" in style and "layout" not in style


@pytest.mark.parametrize(
    "text",
    [
        "var a = 1; /* a comment opened after code\n/* goes on */ var b = 2;\n",
        "var t = `a template\n  // not a comment\n`;\n",
        'var s = "a string \\\n  // continued";\n',
    ],
)
def test_a_script_the_line_by_line_reading_could_misjudge_is_left_as_it_is(text: str) -> None:
    assert stripped("a.js", text.encode()) == text.encode()


def test_the_board_pages_bundles_are_small() -> None:
    """What a first visit on a slow link waits for (issue 28): gzipped, without their comments. The
    editors and the rest come after the page is live (board-ops.js), and are bounded too."""
    for name, bound in (("board-live.js", 7_500), ("board-pages.css", 14_500), ("board-ops.js", 16_000)):
        file = STATIC.files[STATIC.url(name).removeprefix("/static/")][0]
        assert file.gzipped is not None and len(file.gzipped) < bound, (name, len(file.gzipped or b""))


@pytest.mark.parametrize(
    ("accept_encoding", "coding"),
    [
        ("gzip, deflate, br, zstd", "br"),  # Chromium
        ("gzip, deflate", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("gzip;q=0, br;q=0", None),
        ("*", "br"),
        ("br;q=0, *", "gzip"),
        ("*;q=0, gzip", "gzip"),
        ("identity", None),
        ("", None),
    ],
)
def test_the_coding_an_answer_goes_in(accept_encoding: str, coding: str | None) -> None:
    assert content_coding(accept_encoding) == coding
