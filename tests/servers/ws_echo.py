"""A real WebSocket echo upstream for the smoke.websocket self-tests: ``websockets``' asyncio server.

``websockets`` is the library golive's own probe speaks with, and one whose documentation has an
nginx guide; behind an nginx that proxies without ``proxy_http_version 1.1`` and the
``Upgrade``/``Connection`` headers it answers the plain HTTP/1.0 request with 505, which nginx hands
to the client: the defect as users meet it.
Run as ``python -m tests.servers.ws_echo PORT``; ``start_ws_echo(root)`` starts it, waits for the port
and stops it by PID.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from tests.servers.base import ServerProcess, free_port, port_open, start_process


async def _echo(connection) -> None:  # type: ignore[no-untyped-def]
    async for message in connection:
        await connection.send(message)


async def _serve(port: int) -> None:
    from websockets.asyncio.server import serve

    async with serve(_echo, "127.0.0.1", port, ping_interval=None) as server:
        await server.serve_forever()


def start_ws_echo(root: Path) -> tuple[ServerProcess, int]:
    port = free_port()
    server = start_process("ws-echo", [sys.executable, "-m", "tests.servers.ws_echo", str(port)],
                           log=root / "ws-echo.log", ready=lambda: port_open("127.0.0.1", port),
                           cwd=Path(__file__).resolve().parents[2])
    return server, port


if __name__ == "__main__":
    asyncio.run(_serve(int(sys.argv[1])))
