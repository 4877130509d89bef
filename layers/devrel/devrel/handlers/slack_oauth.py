"""GET /slack/oauth/install and /slack/oauth/callback: the Slack OAuth v2 install flow (browser pages)."""

from __future__ import annotations

import html
import logging

from devrel.http import HttpRequest, HttpResponse
from devrel.ports import PortError
from devrel.runtime import Services
from devrel.usecases.slack_install import InstallError, begin_install, finish_install

log = logging.getLogger(__name__)


def handle_slack_oauth(request: HttpRequest, services: Services) -> HttpResponse:
    exchange = services.slack_oauth_exchange()
    if exchange is None:
        return HttpResponse.error(501, "the Slack install flow is not configured on this deployment")
    try:
        if request.path.endswith("/install"):
            url = begin_install(services.store, services.settings, services.clock())
            return HttpResponse(status=302, headers={"location": url, "cache-control": "no-store"})
        if request.path.endswith("/callback"):
            if _query(request, "error"):
                return _page(400, "Installation cancelled", "Slack reported: " + _query(request, "error"))
            installed = finish_install(services.store, services.settings, _query(request, "code"),
                                       _query(request, "state"), services.clock(), exchange)
            return _page(200, "Installed", f"The assistant is now installed in {installed.team_name or 'Slack'}.")
    except InstallError as error:
        return _page(400, "Installation failed", str(error))
    except PortError as error:  # Slack refused the code, or could not be reached
        log.warning("Slack OAuth exchange failed: %s", error)
        return _page(502, "Installation failed", "Slack did not confirm the installation; please try again.")
    return HttpResponse.error(404, "unknown Slack endpoint")


def _query(request: HttpRequest, name: str) -> str:
    values = request.query.get(name) or [""]
    return values[-1]


def _page(status: int, title: str, message: str) -> HttpResponse:
    body = (f"<!doctype html><title>{html.escape(title)}</title><h1>{html.escape(title)}</h1>"
            f"<p>{html.escape(message)}</p>")
    return HttpResponse(status=status, body=body, headers={"content-type": "text/html; charset=utf-8"})
