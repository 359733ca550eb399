"""An MCP server built with the official MCP Python SDK, over Streamable HTTP: the peer for
protocol version 2026-07-28, which server-everything does not speak yet. Its tools echo,
add, report progress and fail, which is what the proxy's test needs to see pass through.

Usage: sdk_server.py PORT (says "Uvicorn running on …" on stderr once it listens).

Run by mcp/tests/equivalence.rs with the virtualenv that scripts/setup.sh installs.
"""

import sys

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError

server = MCPServer("humanaios-test-sdk-server")


@server.tool()
def echo(message: str) -> str:
    """Echoes the message."""
    return f"Echo: {message}"


@server.tool()
def add(a: int, b: int) -> int:
    """Adds two numbers."""
    return a + b


@server.tool()
async def count(steps: int, ctx: Context) -> str:
    """Counts to `steps`, reporting each step as progress."""
    for step in range(1, steps + 1):
        await ctx.report_progress(step, steps, f"step {step}")
    return f"Counted to {steps}."


@server.tool()
def fail(reason: str) -> str:
    """Fails with the reason given."""
    raise ToolError(reason)


if __name__ == "__main__":
    server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[1]))
