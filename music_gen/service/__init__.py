"""The REST API (FastAPI): ``create_app(settings)`` builds it, ``musicgen serve`` runs it.

The library never imports this package; it uses the library.
"""

from music_gen.service.app import create_app
from music_gen.service.settings import Settings, get_settings

__all__ = ["Settings", "create_app", "get_settings"]
