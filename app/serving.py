"""The HTTP protocol ``gongkai serve`` gives uvicorn: uvicorn's own (h11), with Nagle's algorithm off on every
connection.

With ``GONGKAI_WORKERS`` ≥ 2, uvicorn 0.54 binds the listening socket itself and hands it to the worker processes
without ``IPPROTO_TCP`` (Kludex/uvicorn#3149), and asyncio only sets ``TCP_NODELAY`` on accepted sockets that report
it. Nagle's algorithm then holds the end of each answer until the client's delayed ACK: every keep-alive request
after a connection's first took about 43 ms however little the server did (measured here on a three-line endpoint:
44 ms per sequential request with two workers against 1 ms with one; issue #9, where it capped both gongkai and the
bare endpoint at about 150 req/s with two workers). An OA system keeps its connection open, so it paid that on
every call. Setting the option on each accepted connection fixes it whatever uvicorn binds; one process gets the
same protocol, for one code path.
"""

from __future__ import annotations

import asyncio
import socket
from contextlib import suppress

from uvicorn.protocols.http.h11_impl import H11Protocol

TCP_FAMILIES = (socket.AF_INET, socket.AF_INET6)


class NoDelayProtocol(H11Protocol):
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]  # as uvicorn's
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in TCP_FAMILIES:
            with suppress(OSError):  # a peer that reset already: the connection ends anyway, uvicorn sees to it
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)


HTTP_PROTOCOL = f"{__name__}:{NoDelayProtocol.__name__}"
"""uvicorn's ``http`` setting: an import path, which the worker processes can load."""
