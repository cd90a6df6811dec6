"""How a board is stored: the database tables, the one op path that writes them, the reading side
(a board now or at any earlier event), snapshots, backups, join links and sessions, and making
boards."""
