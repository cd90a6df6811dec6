"""The one place configuration is read: environment variables prefixed ``PIBOARD_``."""

from __future__ import annotations

import ipaddress
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _parse_networks(text: str) -> tuple[Network, ...]:
    networks = []
    for entry in (e.strip() for e in text.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"'{entry}' is not a network like 10.0.0.0/8 or 127.0.0.1/32") from None
    return tuple(networks)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PIBOARD_", env_file=".env", extra="ignore")

    # The folder for the SQLite file and the secret file unless those are set on their own.
    data_dir: Path = Path(".")
    # Unset: the SQLite file piboard.db in data_dir.
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    # Signs session cookies and tokens. Unset: one is made and kept in secret_file (relative: in data_dir).
    secret_key: str = ""
    secret_file: Path = Path(".piboard-secret")
    # Set to require this token to create boards (POST /api/boards); unset on a laptop install.
    admin_token: str = ""
    demo_on_empty: bool = True
    public_url: str = ""
    # Addresses of the operator's reverse proxies, comma-separated: only their X-Forwarded-Host is
    # believed (in the same-origin checks); from anyone else a forwarded header is ignored.
    trusted_proxies: str = ""
    # Networks the server may send requests to although they are not public (loopback, private,
    # link-local…), comma-separated CIDR: an on-premises Jira, a webhook inside the company. Every
    # other outbound request (alerts webhook, tracker sync) reaches public addresses only. Read from
    # the process's settings at each request (server/watch/outbound.py).
    outbound_allow: str = ""

    # Limits at every door.
    max_body_bytes: int = Field(default=256 * 1024, ge=1024)
    max_ws_message_bytes: int = Field(default=64 * 1024, ge=1024)
    ops_per_second: float = Field(default=20.0, gt=0)
    ops_burst: int = Field(default=40, ge=1)
    # Reading the past (time travel, replay, an item's history) replays events: per participant.
    history_reads_per_second: float = Field(default=10.0, gt=0)
    history_reads_burst: int = Field(default=30, ge=1)
    # Per client address (behind PIBOARD_TRUSTED_PROXIES: the address they forward). New boards, made
    # or imported: the database grows with each. Joins by a link: a room behind one NAT joins at once.
    boards_per_hour: float = Field(default=30.0, gt=0)
    boards_burst: int = Field(default=10, ge=1)
    joins_per_minute: float = Field(default=60.0, gt=0)
    joins_burst: int = Field(default=150, ge=1)
    max_events_per_catch_up: int = Field(default=500, ge=1)
    ws_send_queue: int = Field(default=256, ge=1)
    ws_send_timeout: float = Field(default=5.0, gt=0)
    ws_heartbeat: float = Field(default=20.0, gt=0)
    # Per-message deflate on the live socket (server/doors/deflate.py): "remote" negotiates it with
    # browsers outside the room's networks only (a live update shrinks 5-7 times; compressing for a
    # thousand screens on the room's LAN would cost the fan-out more than the LAN gains), "all" with
    # every browser that offers it, "off" with none.
    ws_deflate: Literal["remote", "all", "off"] = "remote"
    # The room's networks besides private, loopback and link-local addresses (comma-separated CIDR): a
    # room whose screens have public addresses (IPv6) gets no deflate.
    room_networks: str = ""
    # A board file or a Jira CSV. A 20,000-item board exports about 10 MB; a file is received into a
    # temporary file and read a piece at a time, so this bounds the disk it takes, not the memory.
    max_import_bytes: int = Field(default=64 * 1024 * 1024, ge=1024)

    htmx_cdn: bool = True
    # How often the server looks at the clock for iterations that closed (execution state follows).
    execution_tick: float = Field(default=30.0, gt=0)
    # How often the tracker watch looks for boards whose poll is due (a webhook wakes it at once).
    tracker_tick: float = Field(default=1.0, gt=0)
    # Seconds to wait before each retry of a failed webhook post.
    webhook_retry_delays: list[float] = Field(default_factory=lambda: [1.0, 5.0, 30.0])

    @model_validator(mode="after")
    def _files_in_data_dir(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'piboard.db'}"
        if not self.secret_file.is_absolute():
            self.secret_file = self.data_dir / self.secret_file
        return self

    def signing_key(self) -> str:
        if self.secret_key:
            return self.secret_key
        path = self.secret_file
        if path.exists():
            return path.read_text().strip()
        key = secrets.token_urlsafe(48)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(key)
        path.chmod(0o600)
        return key

    @field_validator("outbound_allow", "room_networks")
    @classmethod
    def _networks(cls, value: str) -> str:
        _parse_networks(value)  # a wrong entry stops the server at start, not a request later
        return value

    @property
    def outbound_networks(self) -> tuple[Network, ...]:
        return _parse_networks(self.outbound_allow)

    @property
    def room_network_list(self) -> tuple[Network, ...]:
        return _parse_networks(self.room_networks)

    @property
    def proxies(self) -> frozenset[str]:
        return frozenset(p.strip() for p in self.trusted_proxies.split(",") if p.strip())

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_file(self) -> Path | None:
        """The SQLite database file, absolute; None on PostgreSQL (or an in-memory database)."""
        if not self.is_sqlite:
            return None
        from sqlalchemy.engine import make_url

        name = make_url(self.database_url).database
        return Path(name).resolve() if name and name != ":memory:" else None

    def database_label(self) -> str:
        """The database for people to read: the SQLite file, or the URL without its password."""
        from sqlalchemy.engine import make_url

        return str(self.sqlite_file or make_url(self.database_url).render_as_string(hide_password=True))

    def secret_label(self) -> str:
        return "PIBOARD_SECRET_KEY" if self.secret_key else str(self.secret_file.resolve())


@lru_cache
def get_settings() -> Settings:
    return Settings()
