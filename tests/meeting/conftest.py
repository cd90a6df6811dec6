"""The small planned ART of the page tests, reused by the event-running tests."""

from tests.e2e.conftest import planned_board
from tests.e2e.ui_setup import ui_board

__all__ = ["planned_board", "ui_board"]
