"""The web studio: a page at ``/`` and its static files, served by the API's own process.

Everything the page needs ships inside the package (no CDN, no build step), so the studio
works on a machine without internet access, as do ``/docs`` and ``/redoc`` (the app is made
with ``fastapi_offline``, which serves Swagger UI and ReDoc from the package).
"""

from __future__ import annotations

import json
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import FileResponse, JSONResponse, Response

from music_gen import __version__
from music_gen.errors import ErrorCode

#: The page and its scripts, styles and vendored libraries.
WEB_DIR = Path(__file__).resolve().parent / "web"
#: Where the static files are served.
ASSETS_URL = "/studio"
#: The page may load and call this origin only (its audio and MIDI arrive as blob: URLs).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "connect-src 'self'",
        "media-src 'self' blob:",
        "img-src 'self' data: blob:",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)


def error_codes_module() -> str:
    """The page's ``codes.js``: :class:`~music_gen.errors.ErrorCode` as a JavaScript module.

    The page imports its codes from here, so it has no copy of its own to drift.
    """
    codes = {code.name: code.value for code in ErrorCode}
    return (
        "// The API's error codes (music_gen.ErrorCode), as this server sends them.\n"
        f"export const ErrorCode = Object.freeze({json.dumps(codes)});\n"
    )


def install(app: FastAPI) -> None:
    """Serve the studio at ``/`` and its files under :data:`ASSETS_URL`."""

    # Registered before the mount, which would otherwise answer for this path.
    @app.get(f"{ASSETS_URL}/config.json", include_in_schema=False)
    async def studio_config(request: Request) -> JSONResponse:
        # What the page needs before its first API call: whether to ask for a key (so a
        # local-mode user is never asked) and which model the server uses by default.
        settings = request.app.state.service.settings
        return JSONResponse(
            {
                "auth_required": not settings.no_auth,
                "default_model": settings.default_model,
                "version": __version__,
            },
            headers={"Cache-Control": "no-cache"},
        )

    @app.get(f"{ASSETS_URL}/codes.js", include_in_schema=False)
    async def studio_error_codes() -> Response:
        return Response(
            error_codes_module(),
            media_type="text/javascript",
            headers={"Cache-Control": "no-cache"},
        )

    app.mount(ASSETS_URL, StaticFiles(directory=WEB_DIR), name="studio")

    @app.get("/", include_in_schema=False)
    async def studio_page() -> FileResponse:
        # no-cache: a browser revalidates the page, so an upgraded server's page is seen.
        headers = {"Cache-Control": "no-cache", "Content-Security-Policy": CONTENT_SECURITY_POLICY}
        return FileResponse(WEB_DIR / "index.html", headers=headers)
