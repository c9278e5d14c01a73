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
- **start-up**: one process is always started ahead, a *spare* that has imported the app and waits
  for a tab's size (:mod:`tcpsim.serve.session`); a tab that connects takes it, and draws its first
  screen as soon as its size arrives, while the next spare starts. Without a spare ready (tabs
  opened faster than spares start) a tab's process starts when its websocket opens, as before. At
  most one process per core is starting at any time, so that thirty tabs opened at once get their
  screens one after the other instead of all of them late. The spare counts against
  ``max_sessions``: sessions and the spare together are never more processes than that.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
from aiohttp import web
from textual_serve.app_service import AppService
from textual_serve.server import Server, to_int

from .session import READY

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
    """One tab's app process: started without a shell, ahead of its tab (a spare), ended for sure."""

    def __init__(self, argv: Sequence[str], *, start_slots: asyncio.Semaphore, download_manager: Any) -> None:
        super().__init__(
            " ".join(argv), write_bytes=_nowhere, write_str=_nowhere, close=_nothing, download_manager=download_manager
        )
        self.argv = list(argv)
        self._start_slots = start_slots
        self._holding_slot = False
        self._ready: asyncio.Task[bool] | None = None
        self.attached = False
        """A tab has it (its websocket's writers are this session's)."""
        self.started = False
        """The app has sent its first screen."""
        self.on_first_screen: Callable[[], object] | None = None
        """Called once the app has sent its first screen (the server starts the next spare then)."""

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def alive(self) -> bool:
        return self._process is not None and self._process.returncode is None

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width, height)
        environment["TEXTUAL_DRIVER"] = "tcpsim.serve.driver:ServedDriver"
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        return environment

    async def spawn(self) -> None:
        """Start the process (once a start-up slot is free): it imports the app, says it is ready,
        and waits for its tab's size (:meth:`attach`) before it draws anything."""
        await asyncio.wait_for(self._start_slots.acquire(), START_TIMEOUT)
        self._holding_slot = True
        asyncio.get_running_loop().call_later(START_TIMEOUT, self._release_slot)
        try:
            self._process = process = await asyncio.create_subprocess_exec(
                *self.argv,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                env=self._build_environment(),
                cwd="/",
                start_new_session=True,  # its own process group: stop() ends whatever it might start
            )
        except BaseException:
            self._release_slot()
            raise
        assert process.stdin is not None
        self._stdin = process.stdin
        self._ready = asyncio.create_task(self._read_ready())

    async def _read_ready(self) -> bool:
        """Wait for the process's ready line (its imports are done); free its start-up slot then."""
        assert self._process is not None and self._process.stdout is not None
        try:
            line = await self._process.stdout.readline()
        except (ValueError, ConnectionError):
            line = b""
        finally:
            self._release_slot()
        return line == READY

    async def attach(
        self,
        write_bytes: Callable[[bytes], Awaitable[None]],
        write_str: Callable[[str], Awaitable[None]],
        close: Callable[[], Awaitable[Any]],
        width: int,
        height: int,
    ) -> None:
        """Give the session to a tab: its websocket's writers, and its size, which starts the app."""
        self.remote_write_bytes, self.remote_write_str, self.remote_close = write_bytes, write_str, close
        self.attached = True
        await self.set_terminal_size(width, height)
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        if self._ready is not None:
            await self._ready  # the ready line is not textual-serve's protocol: read it first
        await self.run()

    async def start(self, width: int, height: int) -> None:
        raise NotImplementedError("spawn(), then attach() to a tab")

    def _release_slot(self) -> None:
        if self._holding_slot:
            self._holding_slot = False
            self._start_slots.release()

    async def on_data(self, payload: bytes) -> None:
        if not self.started:
            self.started = True
            if self.on_first_screen is not None:
                self.on_first_screen()
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
        if self._ready is not None:
            self._ready.cancel()
            await asyncio.gather(self._ready, return_exceptions=True)
        self._release_slot()


async def _nowhere(data: Any) -> None:
    """A spare's output before a tab has it: the process writes nothing until it has a size."""


async def _nothing() -> None:
    pass


async def _stop_spare(session: ServedSession, spawning: asyncio.Task[None]) -> None:
    await asyncio.gather(spawning, return_exceptions=True)
    await session.stop()


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
        self._start_slots = asyncio.Semaphore(max(1, os.cpu_count() or 1))
        self._spare: tuple[ServedSession, asyncio.Task[None]] | None = None
        """The process started ahead of the next tab, and the task that starts it."""
        self._closing = False
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

    # ------------------------------------------------------------------ the spare
    def _new_session(self) -> ServedSession:
        return ServedSession(self.session_argv, start_slots=self._start_slots, download_manager=self.download_manager)

    def _refill(self) -> None:
        """Start the next spare, if there is none and room for one more process."""
        if self._closing or self._spare is not None or self.in_use >= self.max_sessions:
            return
        session = self._new_session()
        self._spare = (session, asyncio.create_task(session.spawn()))

    def _take_spare(self) -> tuple[ServedSession, asyncio.Task[None]]:
        """The spare (perhaps still starting), or a process started now when there is none."""
        if self._spare is not None:
            taken, self._spare = self._spare, None
            return taken
        session = self._new_session()
        return session, asyncio.create_task(session.spawn())

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
        width = to_int(request.query.get("width", "80"), 80)
        height = to_int(request.query.get("height", "24"), 24)
        session, spawning = self._take_spare()
        self._pending += 1
        try:
            try:
                try:
                    await spawning
                except Exception:  # a spare that failed to start: log it, and start one now
                    log.exception("a session's process failed to start")
                if not session.alive:  # a spare that died waiting
                    await session.stop()
                    session = self._new_session()
                    await session.spawn()
                # the next spare starts once this tab has its screen, not beside its first frame
                session.on_first_screen = self._refill
                await session.attach(websocket.send_bytes, websocket.send_str, websocket.close, width, height)
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
                self._refill()
                if not websocket.closed:
                    await websocket.close()
        return websocket

    async def on_shutdown(self, app: web.Application) -> None:
        self._closing = True
        stopping = [s.stop() for s in list(self.sessions.values())]
        if self._spare is not None:
            (spare, spawning), self._spare = self._spare, None
            stopping.append(_stop_spare(spare, spawning))
        await asyncio.gather(*stopping, return_exceptions=True)

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
        self._refill()
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
