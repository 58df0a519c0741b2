"""How the running bot is doing: each platform, the database, the knowledge, the last sweep.

Served as JSON on `GET /healthz` when `health.port` is set (200 healthy, 503 not), and read by
`python -m bot health` and the Dockerfile's HEALTHCHECK. Healthy means: the database answers,
knowledge is loaded, at least one platform is connected (others may be retrying: that mends
itself), none is off (a refused token needs a person), and the reminder sweep is running.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.database import StoreError
from bot.reminders.scheduler import SWEEP_SECONDS

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)

STALE_SWEEP = timedelta(seconds=3 * SWEEP_SECONDS)  # the sweep runs every minute


async def report(app: App) -> dict[str, Any]:
    """The state as JSON-ready data; `problems` says, in words, what makes it not healthy."""
    try:
        await app.store.language("health", "health")  # any cheap read
        database = "ok"
    except StoreError as exc:
        database = str(exc)
    problems = [] if database == "ok" else [f"database: {database}"]
    last = app.knowledge.last_problems
    errors = sum(p.severity == "error" for p in last)
    entries = len(app.knowledge.snapshot.entries)
    if not entries:
        problems.append("knowledge: no entries loaded")
    adapters = dict(app.status)
    if not any(state in ("connected", "running") for state in adapters.values()):
        problems.append("no platform is connected")
    problems += [f"{name} is {state}" for name, state in adapters.items() if state[:3] == "off"]
    sweep = app.scheduler.last_sweep
    if sweep is not None and app.clock.now() - sweep > STALE_SWEEP:
        problems.append(f"reminders: no sweep since {sweep.isoformat(timespec='seconds')}")
    return {
        "adapters": adapters,
        "database": database,
        "knowledge": {
            "entries": entries,
            "errors": errors,
            "warnings": len(last) - errors,
            # a rejected reload keeps the last good snapshot serving
            "last_reload": "ok" if not errors else "rejected; the last good files still serve",
        },
        "last_sweep": sweep.isoformat() if sweep else None,
        "problems": problems,
        "healthy": not problems,
    }


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
