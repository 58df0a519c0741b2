"""How the running bot is doing: each platform, the database, the knowledge, the last sweep.

Served as JSON on `GET /healthz` when `health.port` is set (200 healthy, 503 not), and read by
`python -m bot health` and the Dockerfile's HEALTHCHECK. Healthy means: the database answers,
knowledge is loaded, and at least one platform is connected (the others may be retrying).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.store import StoreError

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)


async def report(app: App) -> dict[str, Any]:
    try:
        await app.store.language("health", "health")  # any cheap read
        database = "ok"
    except StoreError as exc:
        database = str(exc)
    errors = [p for p in app.knowledge.last_problems if p.severity == "error"]
    sweep = app.scheduler.last_sweep
    found: dict[str, Any] = {
        "adapters": dict(app.status),
        "database": database,
        "knowledge": {"entries": len(app.knowledge.snapshot.entries), "errors": len(errors)},
        "last_sweep": sweep.isoformat() if sweep else None,
    }
    found["healthy"] = (
        database == "ok"
        and found["knowledge"]["entries"] > 0
        and any(state in ("connected", "running") for state in app.status.values())
    )
    return found


async def serve_health(app: App, listen: str, port: int) -> None:
    """The /healthz endpoint until cancelled; logs no request bodies (there are none)."""

    async def healthz(request: web.Request) -> web.Response:
        found = await report(app)
        return web.json_response(found, status=200 if found["healthy"] else 503)

    server = web.Application()
    server.router.add_get("/healthz", healthz)
    runner = web.AppRunner(server, access_log=None)
    await runner.setup()
    try:
        try:
            await web.TCPSite(runner, listen, port).start()
        except OSError as exc:  # a taken port costs the endpoint, never the bot
            log.error("health: cannot listen on %s:%d (%s); no /healthz", listen, port, exc)
            return
        log.info("health: http://%s:%d/healthz", listen, port)
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
