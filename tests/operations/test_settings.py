"""Where piboard keeps its data, and what it says about it at start-up."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from server.settings import Settings


@pytest.fixture(autouse=True)
def nothing_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No PIBOARD_ variable and no .env file: only what each test passes counts."""
    for name in [n for n in os.environ if n.startswith("PIBOARD_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_the_data_folder_holds_the_database_and_the_secret(tmp_path: Path) -> None:
    data = tmp_path / "var" / "piboard"
    settings = Settings(data_dir=data)
    assert settings.sqlite_file == data / "piboard.db"
    assert settings.secret_file == data / ".piboard-secret"
    assert settings.database_label() == str(data / "piboard.db")
    key = settings.signing_key()  # made on first use, in a folder made for it, readable by us only
    assert (data / ".piboard-secret").read_text() == key
    assert stat.S_IMODE((data / ".piboard-secret").stat().st_mode) == 0o600
    assert Settings(data_dir=data).signing_key() == key


def test_files_named_on_their_own_win_over_the_data_folder(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=f"sqlite:///{tmp_path / 'elsewhere.db'}",
        secret_file=tmp_path / "keys" / "secret",
    )
    assert settings.sqlite_file == tmp_path / "elsewhere.db"
    assert settings.secret_file == tmp_path / "keys" / "secret"
    assert Settings(data_dir=tmp_path, secret_file=Path("s")).secret_file == tmp_path / "s"


def test_without_a_data_folder_everything_is_in_the_working_folder(tmp_path: Path) -> None:
    settings = Settings()
    assert settings.sqlite_file == tmp_path / "piboard.db"
    assert settings.secret_label() == str(tmp_path / ".piboard-secret")
    assert Settings(secret_key="k" * 40).secret_label() == "PIBOARD_SECRET_KEY"


def test_the_start_up_line_never_shows_a_database_password() -> None:
    settings = Settings(database_url="postgresql://piboard:s3cret-pw@db.example.org:5432/piboard")
    assert settings.sqlite_file is None
    assert "s3cret-pw" not in settings.database_label()
    assert settings.database_label() == "postgresql://piboard:***@db.example.org:5432/piboard"
