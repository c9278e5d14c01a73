"""Sessions as processes: the limit and its page, closing tabs, 100 opens and closes, the server
going away, and the command's own checks (bad input, the host warning)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tcpsim.serve.browser import ServeProcess, Tab, marked, process_name
from tcpsim.serve.server import FULL_CLOSE_CODE

LIMIT = 2


def in_a_thread(coroutine: Any) -> Any:
    """Run a coroutine to its end in a thread of its own: Playwright's sync API holds an event loop
    in this one."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="module")
def server(browser: Any) -> Iterator[ServeProcess]:
    with ServeProcess(["--max-sessions", str(LIMIT), "lost-final-ack"]) as s:
        yield s
        assert s.sessions() == []
        assert len(s.processes()) <= 1  # the spare, waiting for the next tab
    assert marked(s.mark) == []  # the server stopped: nothing of it is left


def test_a_tab_takes_the_spare_and_the_next_spare_starts(browser: Any, server: ServeProcess) -> None:
    """The process started ahead of the tab (tcpsim.serve.session: imported, waiting for a size)
    is the one the tab gets; another starts for the next tab once this one has its screen."""
    spare = server.wait_spare()
    assert len(spare) == 1
    tab = Tab(browser)
    try:
        tab.open(server.url)
        assert server.wait_sessions(1) == spare
        assert len(server.wait_spare()) == 1
        assert len(server.processes()) == 2  # the limit: a session and the spare
    finally:
        tab.close()
    assert server.wait_sessions(0) == []


def test_a_tab_over_the_limit_gets_a_page_that_says_so(browser: Any, server: ServeProcess) -> None:
    tabs = [Tab(browser) for _ in range(LIMIT + 1)]
    try:
        for tab in tabs[:LIMIT]:
            tab.open(server.url)
            assert tab.page.title() == "tcpsim — Lost final ACK"
        assert len(server.wait_sessions(LIMIT)) == LIMIT
        response = tabs[LIMIT].open(server.url, wait_for=None)
        assert response.status == 503
        assert tabs[LIMIT].page.inner_text("#full") == "This tcpsim server is full"
        assert f"All {LIMIT} sessions" in tabs[LIMIT].page.inner_text("body")
        assert len(server.processes()) == LIMIT  # the full page started nothing, and no spare waits
        tabs[0].close()
        assert len(server.wait_sessions(LIMIT - 1)) == LIMIT - 1
        tabs[LIMIT].page.click("button:has-text('Try again')")
        tabs[LIMIT].wait_for("Lost final ACK", "Quit")
    finally:
        for tab in tabs[1:]:
            tab.close()
    assert server.wait_sessions(0) == []


def test_a_websocket_over_the_limit_is_closed_with_the_reason(browser: Any, server: ServeProcess) -> None:
    """A page served just before the last session was taken still gets a clear message."""
    import aiohttp

    async def sessions_then_one_more() -> tuple[int | None, str]:
        ws_url = server.url.replace("http://", "ws://") + "ws"
        async with aiohttp.ClientSession() as client:
            held = [await client.ws_connect(ws_url) for _ in range(LIMIT)]
            try:
                extra = await client.ws_connect(ws_url)
                # The server is starting the held sessions' apps meanwhile: on a loaded machine its
                # answer can take more than a few seconds (it failed once at 10 under load 14).
                message = await extra.receive(timeout=60)
                while message.type not in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                    message = await extra.receive(timeout=60)
                return extra.close_code, str(message.extra or "")
            finally:
                for ws in held:
                    await ws.close()

    code, reason = in_a_thread(sessions_then_one_more())
    assert code == FULL_CLOSE_CODE
    assert f"all {LIMIT} sessions are in use" in reason
    assert server.wait_sessions(0) == []


def test_a_page_of_another_site_may_not_open_a_session(server: ServeProcess) -> None:
    import aiohttp

    async def from_elsewhere() -> int:
        async with aiohttp.ClientSession() as client:
            ws_url = server.url.replace("http://", "ws://") + "ws"
            try:
                await client.ws_connect(ws_url, headers={"Origin": "http://attacker.example"})
            except aiohttp.WSServerHandshakeError as exc:
                return exc.status
            return 101

    assert in_a_thread(from_elsewhere()) == 403
    assert server.sessions() == []


def test_a_hundred_opens_and_closes_leave_no_process(browser: Any, server: ServeProcess) -> None:
    """A hundred sessions opened and closed as tabs open and close them (a websocket each, two at a
    time, the limit), closed at every moment of a session's life: at once (before its process
    starts), while Python starts, and every tenth once its app has drawn its first screen."""
    import aiohttp

    async def open_and_close(client: aiohttp.ClientSession, n: int) -> None:
        for _ in range(200):  # a tab that finds the server full (the last pair still quitting) tries again
            ws = await client.ws_connect(server.url.replace("http://", "ws://") + "ws?width=100&height=30")
            if n % 10 == 0:
                message = await ws.receive(timeout=30)
                while message.type == aiohttp.WSMsgType.TEXT:  # the app's first screen comes as bytes
                    message = await ws.receive(timeout=30)
            else:
                await asyncio.sleep((n % 5) * 0.04)
            await ws.close()
            if ws.close_code != FULL_CLOSE_CODE:
                return
            await asyncio.sleep(0.1)
        raise AssertionError("the server stayed full")

    async def hundred() -> None:
        async with aiohttp.ClientSession() as client:
            for n in range(0, 100, 2):
                await asyncio.gather(open_and_close(client, n), open_and_close(client, n + 1))

    in_a_thread(hundred())
    assert server.wait_sessions(0, timeout=30) == []
    # What is left is the next tab's spare and nothing else (a session closed before it read its
    # size ends named as a spare: wait for those to be gone and the spare to be there)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        left = {pid: process_name(pid) for pid in server.processes()}
        if list(left.values()) == ["tcpsim-spare"]:
            break
        time.sleep(0.05)
    assert list(left.values()) == ["tcpsim-spare"], left
    tab = Tab(browser)
    try:
        tab.open(server.url)  # and the server still serves
    finally:
        tab.close()
    assert server.wait_sessions(0) == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["stopped", "killed"])
def test_sessions_end_with_the_server(browser: Any, sig: int) -> None:
    """Ctrl+C (SIGTERM alike) stops every session; a server killed outright takes them with it too."""
    serve = ServeProcess()
    tab = Tab(browser)
    try:
        tab.open(serve.url)
        sessions = serve.wait_sessions(1)
        assert len(sessions) == 1
        os.kill(serve.pid, sig)
        serve.process.wait(15)
        deadline = time.monotonic() + 15
        while marked(serve.mark) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marked(serve.mark) == []
        if sig == signal.SIGTERM:
            assert serve.process.returncode == 0
    finally:
        tab.close()
        serve.stop()


def test_listening_beyond_this_machine_warns_and_pages_use_the_address_in_the_browser(browser: Any) -> None:
    with ServeProcess(["--host", "0.0.0.0"]) as serve:
        url = serve.url.replace("0.0.0.0", "127.0.0.1")
        tab = Tab(browser)
        try:
            tab.open(url)
            ws_url = tab.page.get_attribute("#terminal", "data-session-websocket-url")
            assert ws_url == url.replace("http://", "ws://") + "ws"
        finally:
            tab.close()
        serve.stop()
        warning = "".join(serve.output)
    port = serve.url.rstrip("/").rsplit(":", 1)[-1]
    assert f"warning: listening on 0.0.0.0, not on this machine only: anyone who can reach port {port} " in warning


def test_listening_on_loopback_prints_the_address_and_no_warning(server: ServeProcess) -> None:
    assert server.url.startswith("http://127.0.0.1:")
    assert "up to 2 sessions at once" in server.banner[1]
    assert "bundled scenarios only" in server.banner[1]
    assert not any("warning" in line for line in server.output)


def test_bad_input_is_exit_2_with_a_message(cli: Callable[..., Any], tmp_path: Any) -> None:
    result = cli("serve", "no-such-scenario")
    assert result.code == 2 and "no such file, and no bundled scenario" in result.err
    result = cli("serve", "--files", str(tmp_path / "missing"))
    assert result.code == 2 and "not a folder" in result.err
    result = cli("serve", "--max-sessions", "0")
    assert result.code == 2 and "must be at least 1" in result.err
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        # in a process of its own: this one's event loop is Playwright's
        done = subprocess.run(
            [sys.executable, "-m", "tcpsim.cli", "serve", "--port", str(taken.getsockname()[1])],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2 and "cannot listen on 127.0.0.1 port" in done.stderr
    assert "Traceback" not in done.stderr
