"""One MCP conversation, held twice with the official MCP Python SDK client — once with the
server directly, once through the humanaios-mcp proxy — so that a test can compare what the
client saw each time.

Usage: mcp_conversation.py SPEC_JSON

SPEC_JSON: {"scenario": "everything" | "filesystem" | "memory" | "sdk",
            "direct": TARGET, "proxied": TARGET}
TARGET:    {"url": "http://…/mcp"} (Streamable HTTP; with "mode": "2026-07-28" the SDK's
           `Client` speaks that sessionless version instead of the initialize handshake) or
           {"command": "node", "args": [...], "env": {...}} (stdio),
           either with an optional "dir": a path replaced by "<dir>" in what was seen (the
           filesystem server names the directory it serves, which differs per target).

Prints one JSON object, {"direct": STEPS, "proxied": STEPS}, where STEPS is a list of
{"step": name, "result": …} or {"step": name, "error": {"code", "message"}}, plus what the
client's callbacks saw: progress notifications, the sampling and the elicitation request.

Run by mcp/tests/equivalence.rs with the virtualenv that scripts/setup.sh installs.
"""

import asyncio
import json
import sys

import httpx2
import mcp_types as types
from mcp import Client, ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError


def dump(model):
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


class Conversation:
    """The steps of one conversation and what the server asked of the client meanwhile."""

    def __init__(self, session, directory=None):
        self.session = session
        self.directory = directory
        self.steps = []
        self.progress = []

    def seen(self, callbacks):
        """Everything the client saw, with the target's directory written as "<dir>"."""
        text = json.dumps({"steps": self.steps, "progress": self.progress, "requests": callbacks.seen})
        if self.directory is not None:
            text = text.replace(json.dumps(self.directory)[1:-1], "<dir>")
        return json.loads(text)

    async def step(self, name, call):
        try:
            self.steps.append({"step": name, "result": dump(await call)})
        except MCPError as err:
            self.steps.append({"step": name, "error": {"code": err.code, "message": err.message}})

    async def tool(self, name, arguments, **options):
        arguments = with_dir(arguments, self.directory)
        await self.step(f"call {name}", self.session.call_tool(name, arguments, **options))

    async def on_progress(self, progress, total, message):
        self.progress.append({"progress": progress, "total": total, "message": message})


class Callbacks:
    """The client's answers to the server's requests, recording each request."""

    def __init__(self, directory):
        # The filesystem server serves the client's roots rather than its arguments once
        # the client has any, so the roots are the target's directory when it has one.
        self.root = f"file://{directory}" if directory is not None else "file:///workspace"
        self.seen = []

    async def sampling(self, context, params):
        self.seen.append({"sampling": dump(params)})
        return types.CreateMessageResult(
            role="assistant",
            content=types.TextContent(type="text", text="Sampled through the proxy."),
            model="humanaios-test-model",
            stop_reason="endTurn",
        )

    async def elicitation(self, context, params):
        self.seen.append({"elicitation": dump(params)})
        return types.ElicitResult(
            action="accept",
            content={"name": "Ada Lovelace", "check": True, "email": "ada@example.com", "integer": 7},
        )

    async def roots(self, context):
        self.seen.append({"roots": True})
        return types.ListRootsResult(roots=[types.Root(uri=self.root, name="workspace")])


async def everything(c):
    s = c.session
    await c.step("list tools", s.list_tools())
    await c.step("list prompts", s.list_prompts())
    await c.step("list resource templates", s.list_resource_templates())
    await c.tool("echo", {"message": "hello through the proxy"})
    await c.tool("get-sum", {"a": 2, "b": 40})
    await c.tool("get-structured-content", {"location": "New York"})
    await c.tool("get-tiny-image", {})
    await c.tool("get-annotated-message", {"messageType": "success", "includeImage": True})
    await c.tool("get-resource-reference", {"resourceType": "Text", "resourceId": 3})
    await c.tool("trigger-long-running-operation", {"duration": 0.6, "steps": 3}, progress_callback=c.on_progress)
    await c.tool("trigger-sampling-request", {"prompt": "Say hello", "maxTokens": 20})
    await c.tool("trigger-elicitation-request", {})
    await c.tool("get-roots-list", {})
    await c.tool("no-such-tool", {})
    await c.step("read resource", s.read_resource("demo://resource/static/document/features.md"))
    await c.step("read missing resource", s.read_resource("test://no-such-resource"))
    await c.step("get prompt", s.get_prompt("args-prompt", {"city": "Berlin", "state": "Berlin"}))


async def filesystem(c):
    s = c.session
    await c.step("list tools", s.list_tools())
    await c.tool("list_allowed_directories", {})
    await c.tool("write_file", {"path": "<dir>/notes.txt", "content": "first line\nsecond line\n"})
    await c.tool("read_text_file", {"path": "<dir>/notes.txt"})
    await c.tool("read_text_file", {"path": "<dir>/notes.txt", "head": 1})
    await c.tool(
        "edit_file",
        {"path": "<dir>/notes.txt", "edits": [{"oldText": "second", "newText": "2nd"}], "dryRun": True},
    )
    await c.tool("create_directory", {"path": "<dir>/sub/deeper"})
    await c.tool("move_file", {"source": "<dir>/notes.txt", "destination": "<dir>/sub/notes.txt"})
    await c.tool("list_directory", {"path": "<dir>"})
    await c.tool("directory_tree", {"path": "<dir>"})
    await c.tool("search_files", {"path": "<dir>", "pattern": "**/*.txt"})
    await c.tool("read_text_file", {"path": "/etc/passwd"})


async def memory(c):
    s = c.session
    await c.step("list tools", s.list_tools())
    await c.tool(
        "create_entities",
        {
            "entities": [
                {"name": "Ada", "entityType": "person", "observations": ["wrote the first program"]},
                {"name": "Analytical Engine", "entityType": "machine", "observations": []},
            ]
        },
    )
    await c.tool("create_relations", {"relations": [{"from": "Ada", "to": "Analytical Engine", "relationType": "programmed"}]})
    await c.tool("add_observations", {"observations": [{"entityName": "Ada", "contents": ["born 1815"]}]})
    await c.tool("search_nodes", {"query": "program"})
    await c.tool("open_nodes", {"names": ["Ada"]})
    await c.tool("delete_observations", {"deletions": [{"entityName": "Ada", "observations": ["born 1815"]}]})
    await c.tool("read_graph", {})
    await c.tool("add_observations", {"observations": [{"entityName": "Nobody", "contents": ["x"]}]})


async def sdk(c):
    s = c.session
    await c.step("list tools", s.list_tools())
    await c.tool("echo", {"message": "hello through the proxy"})
    await c.tool("add", {"a": 2, "b": 40})
    await c.tool("count", {"steps": 3}, progress_callback=c.on_progress)
    await c.tool("fail", {"reason": "on purpose"})


SCENARIOS = {"everything": everything, "filesystem": filesystem, "memory": memory, "sdk": sdk}


def with_dir(value, directory):
    """`value` with "<dir>" in its strings replaced by the target's directory."""
    if directory is None:
        return value
    return json.loads(json.dumps(value).replace("<dir>", directory))


class Transport:
    """Opens the client's streams to a target."""

    def __init__(self, target):
        self.target = target

    async def __aenter__(self):
        if "url" in self.target:
            self.http = httpx2.AsyncClient(timeout=httpx2.Timeout(30, read=60))
            self.streams = streamable_http_client(self.target["url"], http_client=self.http)
        else:
            server = StdioServerParameters(
                command=self.target["command"], args=self.target["args"], env=self.target.get("env")
            )
            self.http = None
            self.streams = stdio_client(server)
        read, write, *_ = await self.streams.__aenter__()
        return read, write

    async def __aexit__(self, *exc):
        await self.streams.__aexit__(*exc)
        if self.http is not None:
            await self.http.aclose()


async def converse_modern(scenario, target):
    """The conversation over a sessionless version: the SDK's `Client` adopts it directly."""
    callbacks = Callbacks(None)
    async with Client(
        target["url"],
        mode=target["mode"],
        sampling_callback=callbacks.sampling,
        elicitation_callback=callbacks.elicitation,
        list_roots_callback=callbacks.roots,
    ) as client:
        conversation = Conversation(client)
        conversation.steps.append({"step": "protocol version", "result": client.protocol_version})
        await SCENARIOS[scenario](conversation)
    return conversation.seen(callbacks)


async def converse(scenario, target):
    if "mode" in target:
        return await converse_modern(scenario, target)
    directory = target.get("dir")
    callbacks = Callbacks(directory)
    async with Transport(target) as (read, write):
        async with ClientSession(
            read,
            write,
            sampling_callback=callbacks.sampling,
            elicitation_callback=callbacks.elicitation,
            list_roots_callback=callbacks.roots,
        ) as session:
            conversation = Conversation(session, directory)
            initialized = await session.initialize()
            conversation.steps.append({"step": "initialize", "result": dump(initialized)})
            await SCENARIOS[scenario](conversation)
    return conversation.seen(callbacks)


async def main(spec):
    direct = await converse(spec["scenario"], spec["direct"])
    proxied = await converse(spec["scenario"], spec["proxied"])
    print(json.dumps({"direct": direct, "proxied": proxied}), flush=True)


if __name__ == "__main__":
    asyncio.run(main(json.loads(sys.argv[1])))
