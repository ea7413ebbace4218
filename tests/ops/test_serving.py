"""How the server process runs. ``gongkai serve``'s HTTP protocol turns Nagle's algorithm off on every connection
(``app.serving``), also on the listening socket uvicorn binds for several worker processes, whose accepted
connections asyncio leaves without ``TCP_NODELAY`` (then every keep-alive request after the first waits ~40 ms for the
client's delayed ACK). What the application holds once started is kept out of the garbage collector's full
collections."""

from __future__ import annotations

import asyncio
import gc
import socket

import uvicorn
from fastapi.testclient import TestClient
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from app.main import create_app
from app.serving import HTTP_PROTOCOL


async def _app(scope: object, receive: object, send: object) -> None:  # never called: no request is sent
    raise AssertionError


def _accepted_nodelay(http: str | type[asyncio.Protocol]) -> int:
    """TCP_NODELAY of a connection accepted on a socket bound as uvicorn's multi-process supervisor binds it."""
    config = uvicorn.Config(_app, host="127.0.0.1", port=0, http=http, log_level="warning")
    config.load()
    listener = config.bind_socket()

    async def connect() -> int:
        state = ServerState()
        server = await asyncio.get_running_loop().create_server(
            lambda: config.http_protocol_class(config=config, server_state=state, app_state={}),
            sock=listener,
        )
        _, writer = await asyncio.open_connection(*listener.getsockname()[:2])
        for _ in range(100):
            if state.connections:
                break
            await asyncio.sleep(0.01)
        (protocol,) = state.connections
        accepted = protocol.transport.get_extra_info("socket")
        nodelay = int(accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        protocol.transport.close()
        writer.close()
        server.close()
        await server.wait_closed()
        return nodelay

    return asyncio.run(connect())


def test_every_accepted_connection_has_nagle_off():
    assert _accepted_nodelay(HTTP_PROTOCOL) != 0


def test_uvicorns_own_protocol_does_not_on_that_socket():
    """The defect ``app.serving`` works around (Kludex/uvicorn#3149). If this fails, uvicorn binds its socket with
    ``IPPROTO_TCP`` now and ``app.serving`` can go."""
    assert _accepted_nodelay(H11Protocol) == 0


def test_a_started_application_is_frozen_for_the_collector_until_it_stops(settings):
    """A full collection scans every tracked object with every thread stopped: ~130 ms with the ~200,000 objects
    of a started application. Frozen at startup, they are no longer scanned; unfrozen at shutdown."""
    gc.unfreeze()
    with TestClient(create_app(settings)) as client:
        assert gc.get_freeze_count() > 50_000
        assert client.get("/healthz").status_code == 200
    assert gc.get_freeze_count() == 0
