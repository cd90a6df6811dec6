"""How an edit travels: the hub that sends committed events to every screen, the websocket's
protocol and connections, presence, the PostgreSQL bridges between processes, and the collector
that keeps garbage collection out of a broadcast."""
