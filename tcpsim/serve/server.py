"""The web server of ``tcpsim serve``: textual-serve's server and app service, with what a classroom needs.

textual-serve (Textualize's own package) serves a Textual app to browsers: a page with xterm.js
in it, a websocket per tab, and one app process per websocket, speaking Textual's web driver
protocol over its standard input and output. We keep all of that (the page's JavaScript, the
protocol, the downloads) and change, by subclassing:

- **the process**: started without a shell, as ``python -P -m tcpsim.serve.session`` with the
  app's options, in ``/``, in a process group of its own, with tcpsim's driver
  (:mod:`tcpsim.serve.driver`); :meth:`ServedSession.stop` asks it to quit and, if it has not
  within :data:`QUIT_GRACE` seconds (or had not started yet), terminates and then kills its group,
  and always waits for it: no orphan, no zombie;
- **the limit**: at most ``max_sessions`` processes; a page asked for when all are taken is a
  page that says so (HTTP 503), and a websocket that arrives over the limit is closed with a reason
  the page shows;
- **the page**: our template (tcpsim/serve/templates), titled with tcpsim and the scenario, with
  the terminal font served locally, and URLs made from the address the browser used (textual-serve
  builds them from the host it listens on, so ``--host 0.0.0.0`` gave students ``ws://0.0.0.0``);
- **the websocket's origin**: a page of another site may not open sessions here;
- **start-up**: at most one session per core is starting at any time, so that thirty tabs opened
  at once get their screens one after the other instead of all of them late.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

log = logging.getLogger("tcpsim.serve")

TEMPLATES = Path(__file__).resolve().parent / "templates"
QUIT_GRACE = 3.0
"""Seconds a session has to quit by itself once its tab is closed, before it is terminated."""
KILL_GRACE = 2.0
"""Seconds after SIGTERM before SIGKILL."""
START_TIMEOUT = 30.0
"""Seconds a starting session may hold its start-up slot before the next one goes anyway."""
FULL_CLOSE_CODE = 4503
"""The websocket close code for "every session is taken" (4000-4999: the application's own)."""


class ServedSession(AppService):
    """One tab's app process: started without a shell, ended for sure."""

    def __init__(self, argv: Sequence[str], *, start_slots: asyncio.Semaphore, **kwargs: Any) -> None:
        super().__init__(" ".join(argv), **kwargs)
        self.argv = list(argv)
        self._start_slots = start_slots
        self._holding_slot = False
        self.started = False
        """The app has sent its first screen."""

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width, height)
        environment["TEXTUAL_DRIVER"] = "tcpsim.serve.driver:ServedDriver"
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        return environment

    async def _open_app_process(self, width: int = 80, height: int = 24) -> asyncio.subprocess.Process:
        await asyncio.wait_for(self._start_slots.acquire(), START_TIMEOUT)
        self._holding_slot = True
        asyncio.get_running_loop().call_later(START_TIMEOUT, self._release_slot)
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._build_environment(width=width, height=height),
            cwd="/",
            start_new_session=True,  # its own process group: stop() ends whatever it might start
        )
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    def _release_slot(self) -> None:
        if self._holding_slot:
            self._holding_slot = False
            self._start_slots.release()

    async def on_data(self, payload: bytes) -> None:
        if not self.started:
            self.started = True
            self._release_slot()
        await super().on_data(payload)

    async def stop(self) -> None:
        """Ask the app to quit; terminate it if it does not (or had not even started); reap it."""
        process = self._process
        if process is not None and process.returncode is None:
            if self.started:
                await self.send_meta({"type": "quit"})
                await _wait(process, QUIT_GRACE)
            if process.returncode is None:
                _signal_group(process, signal.SIGTERM)
                if not await _wait(process, KILL_GRACE):
                    _signal_group(process, signal.SIGKILL)
                    await process.wait()
        if self._task is not None:
            task, self._task = self._task, None
            await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
            await task
        self._release_slot()


async def _wait(process: asyncio.subprocess.Process, seconds: float) -> bool:
    try:
        await asyncio.wait_for(process.wait(), seconds)
    except TimeoutError:
        return False
    return True


def _signal_group(process: asyncio.subprocess.Process, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):  # already gone
        os.killpg(process.pid, sig)


class TcpsimServer(Server):
    """textual-serve's server for tcpsim sessions (see the module's docstring for what differs)."""

    def __init__(
        self,
        session_argv: Sequence[str],
        *,
        host: str,
        port: int,
        max_sessions: int,
        title: str,
        language: str = "en",
        announce: Any = None,
    ) -> None:
        super().__init__(" ".join(session_argv), host=host, port=port, title=title)
        self.session_argv = list(session_argv)
        self.max_sessions = max_sessions
        self.language = language
        self.sessions: dict[str, ServedSession] = {}
        self.announce = announce
        """Called with the URL once the server listens."""
        self._pending = 0
        self._start_slots: asyncio.Semaphore | None = None
        self._pages = jinja2.Environment(
            loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
        )
        self.url = ""

    # ------------------------------------------------------------------ counting
    @property
    def in_use(self) -> int:
        """Sessions running or starting (a websocket accepted, its process not yet reaped)."""
        return len(self.sessions) + self._pending

    def pids(self) -> list[int]:
        return [pid for s in self.sessions.values() if (pid := s.pid) is not None]

    # ------------------------------------------------------------------ the web application
    async def _make_app(self) -> web.Application:
        app = web.Application()
        app.add_routes(
            [
                web.get("/", self.handle_index, name="index"),
                web.get("/ws", self.handle_websocket, name="websocket"),
                web.get("/download/{key}", self.handle_download, name="download"),
                web.static("/static", self.statics_path, show_index=False, name="static"),
            ]
        )
        app.on_shutdown.append(self.on_shutdown)
        return app

    def _render(self, name: str, **values: Any) -> str:
        return self._pages.get_template(name).render(**values)

    async def handle_index(self, request: web.Request) -> web.Response:
        if self.in_use >= self.max_sessions:
            return self._full_page()
        scheme = "wss" if request.secure else "ws"
        text = self._render(
            "index.html",
            title=self.title,
            lang=self.language,
            static_url="/static/",
            websocket_url=f"{scheme}://{request.host}/ws",
            font_size=to_int(request.query.get("fontsize", "16"), 16),
        )
        return web.Response(text=text, content_type="text/html", headers={"Cache-Control": "no-store"})

    def _full_page(self) -> web.Response:
        text = self._render("full.html", title=self.title, limit=self.max_sessions)
        return web.Response(
            status=503, text=text, content_type="text/html", headers={"Retry-After": "30", "Cache-Control": "no-store"}
        )

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        if not _same_origin(request):
            raise web.HTTPForbidden(text="tcpsim serve: a page of another site may not open sessions here")
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)
        if self.in_use >= self.max_sessions:
            await websocket.close(
                code=FULL_CLOSE_CODE,
                message=f"This tcpsim server is full: all {self.max_sessions} sessions are in use. "
                "Close a tab you no longer need, or try again in a minute.".encode(),
            )
            return websocket
        if self._start_slots is None:
            self._start_slots = asyncio.Semaphore(max(1, os.cpu_count() or 1))
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        session = ServedSession(
            self.session_argv,
            start_slots=self._start_slots,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=websocket.close,
            download_manager=self.download_manager,
        )
        self._pending += 1
        try:
            try:
                await session.start(width, height)
            finally:
                self._pending -= 1
            self.sessions[session.app_service_id] = session
            await self._process_messages(websocket, session)
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("session %s failed", session.app_service_id)
        finally:
            try:
                await asyncio.shield(session.stop())
            finally:
                self.sessions.pop(session.app_service_id, None)
                if not websocket.closed:
                    await websocket.close()
        return websocket

    async def on_shutdown(self, app: web.Application) -> None:
        await asyncio.gather(*(s.stop() for s in list(self.sessions.values())), return_exceptions=True)

    # ------------------------------------------------------------------ running
    async def start(self) -> web.AppRunner:
        """Listen; returns the runner (``await runner.cleanup()`` stops every session and the server)."""
        runner = web.AppRunner(await self._make_app(), handle_signals=False, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        host, port = runner.addresses[0][:2]
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{port}/"
        return runner

    def serve(self, debug: bool = False) -> None:  # the signature of Server.serve
        """Serve until SIGINT or SIGTERM; then end every session. Raises OSError if it cannot listen."""
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        runner = await self.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        if self.announce is not None:
            self.announce(self.url)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()


def _same_origin(request: web.Request) -> bool:
    """A websocket's Origin (browsers always send it) names the host it was opened on; a missing
    Origin is no browser page, and is let in."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc.lower() == request.host.lower()


def session_command(files: str | None, scenario_file: str | None, app_argv: Sequence[str]) -> list[str]:
    """The argv of one served session's process (tcpsim.serve.session)."""
    argv = [sys.executable, "-P", "-m", "tcpsim.serve.session"]
    if files is not None:
        argv += ["--files", files]
    if scenario_file is not None:
        argv += ["--scenario-file", scenario_file]
    return [*argv, "--", *app_argv]
