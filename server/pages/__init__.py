"""View-models of the pages and their live renderers (registered with ``server.pages.renderer.renders``).

Importing this package registers the renderers of the program board, the team breakout and
the big screen.
"""

from server.pages import program, room, screen, team

__all__ = ["program", "room", "screen", "team"]
