"""The host's HTTP console: the JSON API, the live traffic stream, ``/metrics`` and the page, on aiohttp.

:class:`HostConsole` serves beside a running :class:`~simulator.host.server.HostServer`, on the same
event loop (aiohttp's ``AppRunner``: no thread, no second loop, no signal handlers of its own). It
hooks into the host at two points only: the server's ``observer`` (each decided request, for the
metrics and the stream) and the committer's ``on_group`` (commit group sizes); everything else it
reads from the journal or changes through the host's shared services.

Guards: a non-loopback address needs a token (``Authorization: Bearer TOKEN`` on every API call,
the stream and ``/metrics``); on a loopback address the ``Host`` header must name the console (a web
page elsewhere cannot reach it through DNS rebinding) and a ``POST`` must be JSON (a cross-site form
cannot send it without a CORS preflight, which is never granted); bodies are bounded; no handler
takes a file path, so nothing outside the data folder is reachable.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import time
from importlib import resources
from typing import Any

from aiohttp import web

from iso8583.channels import EventLog
from simulator.host.httpaddress import ConsoleConfigError, HttpAddress
from simulator.host.console.api import Api, ApiError
from simulator.host.console.live import Traffic, request_class
from simulator.host.console.metrics import HostMetrics
from simulator.host.console.openapi import openapi_document
from simulator.host.console.queries import JournalReader
from simulator.host.decision import HostDecision
from simulator.host.server import HostServer

__all__ = ["HostConsole", "MAX_BODY"]

log = logging.getLogger(__name__)

MAX_BODY = 16 * 1024
"""The largest request body the console reads (a rule is a few hundred bytes); larger: 413."""
KEEP_ALIVE = 15.0
"""Seconds between comment lines on an idle stream (proxies and browsers keep it open)."""
_PAGES = {"/": ("index.html", "text/html"), "/console.js": ("console.js", "text/javascript"),
          "/console.css": ("console.css", "text/css")}
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; connect-src 'self'; img-src 'self' data:; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


class HostConsole:
    """The console of one running host (see the module docstring)."""

    def __init__(self, server: HostServer, address: HttpAddress, *, token: str | None = None) -> None:
        if not address.loopback and token is None:
            raise ConsoleConfigError(f"--http {address.host}:{address.port}: a non-loopback address needs a token "
                                     "(--http-token-file FILE)")
        self.server = server
        self.address = address
        self._token = token
        services = server.logic.services
        self.reader = JournalReader(server.config, services.dialect, services.keyring.frame_sealer())
        self.metrics = HostMetrics(connections=lambda: server.connection_count, refusals=self._refusals,
                                   credits=self.reader.credits_by_status, clients=lambda: self.traffic.clients)
        self.traffic = Traffic(services.dialect, on_drop=self.metrics.stream_dropped.inc)
        self._errors = EventLog(log)
        self.api = Api(server, self.reader, time.monotonic())
        self._runner: web.AppRunner | None = None
        self._streams: set[asyncio.Task[Any]] = set()
        self.url: str | None = None
        self._allowed_hosts: frozenset[str] = frozenset()

    def _refusals(self) -> dict[str, int]:
        counts = dict(self.server.events.counts)
        for kind, count in self.server.logic.services.events.counts.items():
            counts[kind] = counts.get(kind, 0) + count
        return counts

    # -- life cycle -------------------------------------------------------------------------------

    def application(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY, middlewares=[self._guard])
        app.add_routes(self.api.routes())
        app.add_routes([
            web.get("/api/openapi.json", self._openapi),
            web.get("/api/stream", self._stream),
            web.get("/metrics", self._metrics),
            *(web.get(path, self._page) for path in _PAGES),
        ])
        return app

    async def start(self) -> str:
        """Serve; return the console's URL (port 0 becomes the bound port)."""
        self._runner = web.AppRunner(self.application(), access_log=None, handle_signals=False,
                                     shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.address.host, self.address.port, reuse_address=True)
        try:
            await site.start()
        except OSError as error:
            await self._runner.cleanup()
            self._runner = None
            raise ConsoleConfigError(f"--http {self.address.host}:{self.address.port}: cannot listen "
                                     f"({error.strerror or error})") from None
        port = self._runner.addresses[0][1]
        self.url = self.address.url(port)
        names = {self.address.host, "127.0.0.1", "localhost", "[::1]"} if self.address.loopback else set()
        self._allowed_hosts = frozenset(f"{name}:{port}" for name in names) | (
            frozenset({f"[{self.address.host}]:{port}"}) if ":" in self.address.host else frozenset())
        self.server.observer = self._observe
        self.server.committer.on_group = self.metrics.commit_group.observe
        log.info("host console on %s", self.url)
        return self.url

    async def stop(self) -> None:
        """Stop serving: end the streams, close the listener."""
        if self.server.observer == self._observe:
            self.server.observer = None
        self.server.committer.on_group = None
        for task in list(self._streams):
            task.cancel()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> HostConsole:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- the host's hook ----------------------------------------------------------------------------

    def _observe(self, payload: bytes, decision: HostDecision, peer: str, latency: float) -> None:
        """One decided request: count it, stream it. Never raises into the host's connection."""
        try:
            response = decision.response
            self.metrics.exchange(request_class(response.mti) if response is not None else None,
                                  decision.response_code, latency)
            self.traffic.exchange(payload, decision, peer=peer, latency=latency)
        except Exception as error:  # the console must never cost the host a connection
            self._errors.report("console observer", "console: an exchange was not recorded: %s",
                                type(error).__name__)

    # -- middleware and handlers --------------------------------------------------------------------

    @web.middleware
    async def _guard(self, request: web.Request, handler: Any) -> web.StreamResponse:
        try:
            self._check(request)
            response = await handler(request)
        except ApiError as error:
            response = error.response()
        except web.HTTPException as error:  # aiohttp's own: 404, 405, 413 ...
            if error.status < 400:
                raise
            response = ApiError(error.status, error.reason).response()
        if not response.prepared:
            for name, value in _SECURITY_HEADERS.items():
                response.headers.setdefault(name, value)
        return response

    def _check(self, request: web.Request) -> None:
        if self._allowed_hosts and request.host not in self._allowed_hosts:
            raise ApiError(421, "the Host header does not name this console", "Host")
        guarded = request.path.startswith("/api/") or request.path == "/metrics"
        if self._token is not None and guarded:
            given = request.headers.get("Authorization", "")
            scheme, _, value = given.partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), self._token.encode()):
                error = ApiError(401, "missing or wrong token (Authorization: Bearer TOKEN)", "Authorization")
                error.headers["WWW-Authenticate"] = 'Bearer realm="possim host"'
                raise error

    async def _openapi(self, request: web.Request) -> web.Response:
        return web.json_response(openapi_document())

    async def _metrics(self, request: web.Request) -> web.Response:
        body = await asyncio.to_thread(self.metrics.render)
        return web.Response(body=body, headers={"Content-Type": "text/plain; version=0.0.4; charset=utf-8"})

    async def _page(self, request: web.Request) -> web.Response:
        name, kind = _PAGES[request.path]
        text = resources.files("simulator.host.console").joinpath("static", name).read_text(encoding="utf-8")
        return web.Response(text=text, content_type=kind)

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events: ``exchange`` per request the host decided, ``dropped`` when some were lost."""
        subscription = self.traffic.subscribe()
        if subscription is None:
            raise ApiError(503, "too many stream clients", None)
        task = asyncio.current_task()
        if task is not None:
            self._streams.add(task)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store",
                                               "X-Accel-Buffering": "no"})
        try:
            await response.prepare(request)
            await response.write(b"retry: 1000\n: connected\n\n")
            while True:
                try:
                    event = await asyncio.wait_for(subscription.queue.get(), KEEP_ALIVE)
                except TimeoutError:
                    await response.write(b": keep-alive\n\n")
                    continue
                if subscription.dropped:
                    lost, subscription.dropped = subscription.dropped, 0
                    await response.write(f"event: dropped\ndata: {json.dumps({'dropped': lost})}\n\n".encode())
                await response.write(f"event: exchange\ndata: {json.dumps(event)}\n\n".encode())
        except (ConnectionResetError, asyncio.CancelledError):
            pass
        finally:
            self.traffic.unsubscribe(subscription)
            if task is not None:
                self._streams.discard(task)
        return response
