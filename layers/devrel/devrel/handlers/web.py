"""What a browser gets from the API function besides JSON: the dashboard page and its assets, the
chat widget's script, and the CORS answers that let a docs site on another origin use the widget.

In the cloud API Gateway answers preflights itself from the same origins (template.yaml's
CorsConfiguration); at the edge `devrel serve` passes every request through, so the function
answers them too, with the same rules.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from devrel.http import HttpRequest, HttpResponse
from devrel.web import asset

ALLOWED_METHODS = "GET, POST"
ALLOWED_HEADERS = "authorization, content-type"
# Read by the widget to say when to try again.
EXPOSED_HEADERS = "retry-after"
PREFLIGHT_MAX_AGE = "600"

# The page loads only its own script and style, talks only to its own origin, and cannot be framed
# (so no inline script can run even if some text ever slipped into the markup unescaped).
PAGE_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}

# /dashboard/{asset} -> (file in devrel/web, content type)
DASHBOARD_ASSETS = {
    "app.js": ("dashboard.js", "application/javascript; charset=utf-8"),
    "app.css": ("dashboard.css", "text/css; charset=utf-8"),
}


def page(request: HttpRequest) -> HttpResponse:
    """GET /dashboard, /dashboard/{asset} and /widget.js; the page holds no data (that comes from the
    admin-only JSON endpoints), so it is served to anyone."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponse.error(405, f"{request.method} is not allowed here")
    path = request.path.rstrip("/")
    if path.endswith("/widget.js"):
        # Embedded on other sites: cacheable, and no page headers (the embedding page has its own).
        return HttpResponse(200, asset("widget.js"), {"content-type": "application/javascript; charset=utf-8",
                                                      "cache-control": "public, max-age=300",
                                                      "x-content-type-options": "nosniff"})
    name = request.path_params.get("asset")
    if name is not None:
        found = DASHBOARD_ASSETS.get(name)
        if found is None:
            return HttpResponse.error(404, f"no dashboard asset {name!r}")
        return HttpResponse(200, asset(found[0]), {"content-type": found[1], "cache-control": "no-cache",
                                                   **PAGE_HEADERS})
    if path.endswith("/dashboard"):
        return HttpResponse(200, asset("dashboard.html"), {"content-type": "text/html; charset=utf-8",
                                                           "cache-control": "no-cache", **PAGE_HEADERS})
    return HttpResponse.error(404, f"nothing at {request.path}")


def allowed_origin(origin: str | None, allowed: Sequence[str]) -> str | None:
    """The Access-Control-Allow-Origin value for a request from `origin`, or None (not allowed)."""
    if not origin:
        return None
    if "*" in allowed:
        return "*"
    return origin if origin.rstrip("/") in allowed else None


def preflight(request: HttpRequest, allowed: Sequence[str]) -> HttpResponse:
    """The answer to a browser's OPTIONS before a cross-origin POST (JSON bodies always need one)."""
    origin = allowed_origin(request.header("origin"), allowed)
    if origin is None:
        return HttpResponse.error(403, "this origin may not call the API (settings: cors_allow_origins)")
    return HttpResponse(204, b"", {
        "access-control-allow-origin": origin,
        "access-control-allow-methods": ALLOWED_METHODS,
        "access-control-allow-headers": ALLOWED_HEADERS,
        "access-control-max-age": PREFLIGHT_MAX_AGE,
        "vary": "Origin",
    })


def with_cors(request: HttpRequest, response: HttpResponse, allowed: Sequence[str]) -> HttpResponse:
    """Let an allowed origin read the response; never with credentials (the widget sends none)."""
    origin = allowed_origin(request.header("origin"), allowed)
    if origin is None:
        return response
    return dataclasses.replace(response, headers={**response.headers, "access-control-allow-origin": origin,
                                                  "access-control-expose-headers": EXPOSED_HEADERS,
                                                  "vary": "Origin"})
