"""An agent asking HumanAIOS for a person over MCP, with the official MCP Python SDK and its
Streamable HTTP client, authenticated by an API key the way the README tells users to.

Usage: mcp_client.py URL API_KEY AGENT_NAME

Lists the tools, makes bad requests (an unknown agent, a budget that is not a number, too
long a wait), asks for a person, checks without waiting, then waits for the answer with a
progress callback, and reads the task back. Prints JSON lines:
  {"step": "requested", ...}  the task is open;
  {"step": "waiting", ...}    the first progress notification came (the test then has the
                              task approved, assigned, started and completed);
  {"step": "done", ...}       everything it got.

Run by api/tests/api/mcp.rs with the virtualenv that scripts/setup.sh installs.
"""

import asyncio
import json
import sys

import httpx2
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client


def emit(**line):
    print(json.dumps(line), flush=True)


def seen(result):
    """What a tool result says: the error flag, its texts and its structured content."""
    return {
        "isError": result.is_error,
        "texts": [c.text for c in result.content if c.type == "text"],
        "structured": result.structured_content,
    }


async def main(url, key, agent):
    headers = {"Authorization": f"Bearer {key}"}
    async with httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=300)) as http:
        async with streamable_http_client(url, http_client=http) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                tools = {t.name: t.input_schema for t in (await session.list_tools()).tools}
                bad = {
                    "agent": seen(await session.call_tool("request_human", {"agent": "nobody", "title": "Look"})),
                    "budget": seen(
                        await session.call_tool(
                            "request_human", {"agent": agent, "title": "Look", "budget_usd": "a lot"}
                        )
                    ),
                }
                created = await session.call_tool(
                    "request_human",
                    {
                        "agent": agent,
                        "title": "Check that the warehouse door is locked",
                        "description": "Send a photo of the lock.",
                        "type": "INSPECTION",
                        "latitude": 52.52,
                        "longitude": 13.405,
                        "budget_usd": "15.00",
                        "deadline": "2030-01-01T17:00:00Z",
                    },
                )
                emit(step="requested", result=seen(created))
                task_id = created.structured_content["id"]
                bad["timeout"] = seen(
                    await session.call_tool("wait_for_human_task", {"task_id": task_id, "timeout_seconds": 4000})
                )
                not_yet = seen(await session.call_tool("wait_for_human_task", {"task_id": task_id, "timeout_seconds": 0}))

                progress = []

                async def on_progress(value, total, message):
                    if not progress:
                        emit(step="waiting", message=message)
                    progress.append(message)

                answer = await session.call_tool(
                    "wait_for_human_task",
                    {"task_id": task_id, "timeout_seconds": 120},
                    progress_callback=on_progress,
                )
                reads = {
                    "get": seen(await session.call_tool("get_human_task", {"task_id": task_id})),
                    "completed": seen(
                        await session.call_tool("list_my_requests", {"agent": agent, "statuses": ["COMPLETED"]})
                    ),
                    "open": seen(await session.call_tool("list_my_requests", {})),
                }
                emit(
                    step="done",
                    tools=tools,
                    bad=bad,
                    not_yet=not_yet,
                    answer=seen(answer),
                    progress=progress,
                    reads=reads,
                )


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
