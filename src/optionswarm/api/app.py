"""``create_app(service, security)``: the FastAPI app of ``optionswarm run``.

Routes call the one :class:`~optionswarm.service.core.TradingService` (or, in the api role,
its remote twin: any :class:`~optionswarm.api.service_port.ApiService`); every route that touches
the node is ``async def`` (the node runs on the event loop's thread). Middleware, outermost
first: CORS (only when origins are configured), rate limit (429), body size limit (413). The
built dashboard (``api/static/dashboard``, a Next.js export) is served at ``/`` when present.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from optionswarm._version import __version__
from optionswarm.api import routes_control, routes_records, routes_system, routes_trading, stream
from optionswarm.api.errors import install_error_handlers
from optionswarm.api.middleware import BodyLimitMiddleware, RateLimitMiddleware
from optionswarm.api.security import Security
from optionswarm.api.service_port import ApiService
from optionswarm.config import ApiSettings

__all__ = ["DASHBOARD_DIR", "DashboardFiles", "api_routes", "create_app"]

DASHBOARD_DIR = Path(__file__).parent / "static" / "dashboard"
_DESCRIPTION = (
    "The optionswarm node: a replay of real index data with MODELLED option chains, the agent "
    "swarm, risk, human approval and a tamper-evident audit log. Log in at `/api/auth/login` "
    "and send `Authorization: Bearer <token>`."
)


_MODULES = (routes_system, routes_trading, routes_control, routes_records, stream)


def api_routes() -> list[BaseRoute]:
    """Every route the app serves (for the role table and its test)."""
    return [route for module in _MODULES for route in module.router.routes]


class DashboardFiles(StaticFiles):
    """A static export: ``/approvals`` serves ``approvals.html`` or ``approvals/index.html``."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            return await super().get_response(path, scope)
        except StarletteHTTPException as exc:
            if exc.status_code != 404 or path.endswith(".html"):
                raise
            return await super().get_response(f"{path.rstrip('/')}.html", scope)


def create_app(
    service: ApiService,
    security: Security | ApiSettings,
    *,
    dashboard_dir: Path | None = DASHBOARD_DIR,
) -> FastAPI:
    """The app over ``service``; ``security`` as built, or read from the ``api`` settings."""
    if isinstance(security, ApiSettings):
        security = Security.from_settings(security)
    app = FastAPI(
        title="optionswarm",
        version=__version__,
        description=_DESCRIPTION,
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.service = service
    app.state.security = security
    app.state.routes = api_routes()
    app.state.view_cache = {}
    install_error_handlers(app)
    for module in _MODULES:
        app.include_router(module.router)
    if dashboard_dir is not None and (dashboard_dir / "index.html").is_file():
        app.mount("/", DashboardFiles(directory=dashboard_dir, html=True), name="dashboard")
    app.add_middleware(BodyLimitMiddleware, max_bytes=security.max_body_bytes)
    app.add_middleware(RateLimitMiddleware, security=security)
    if security.cors_origins:
        cors: dict[str, Any] = {
            "allow_origins": list(security.cors_origins),
            "allow_methods": ["GET", "POST", "PATCH"],
            "allow_headers": ["Authorization", "Content-Type"],
        }
        app.add_middleware(CORSMiddleware, **cors)
    return app
