"""The browser fixtures of tests/e2e (one Chromium per session, a context per person), reused here."""

from tests.e2e.conftest import browser, e2e_server, page_as, planned_board, playwright_driver

__all__ = ["browser", "e2e_server", "page_as", "planned_board", "playwright_driver"]
