"""View-models of the pages and their live renderers (registered with ``server.live_render.renders``).

Importing this package registers the renderers of the program board, the team breakout and
the big screen.
"""

from server.views import program, room, screen, team

__all__ = ["program", "room", "screen", "team"]
