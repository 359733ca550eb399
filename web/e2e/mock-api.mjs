// A stand-in for the HumanAIOS server, to try the dashboard without it: serves web/dist
// (index.html for unknown paths), answers the dashboard's GraphQL operations on POST /graphql,
// and streams made-up activities over graphql-transport-ws on /graphql/ws. Node only, no
// dependencies. Not a test of the server: it only knows the operations in web/graphql/.
//
// Usage: node web/e2e/mock-api.mjs [port=8090] [distDir=web/dist]
// Sign in with demo@humanaios.dev / demo-password. GET /__mock/drop closes every socket (to
// watch the dashboard reconnect); GET /__mock/expire makes the token invalid.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';

const port = Number(process.argv[2] || 8090);
const dist = process.argv[3] || 'web/dist';
const EMAIL = 'demo@humanaios.dev';
const PASSWORD = 'demo-password';
let token = 'mock-token-1';

const agents = [
  { id: '0193a0c0-0000-7000-8000-000000000001', name: 'support-triage', type: 'MCP', status: 'ACTIVE' },
  { id: '0193a0c0-0000-7000-8000-000000000002', name: 'invoice-reader', type: 'LANGCHAIN', status: 'PAUSED' },
  { id: '0193a0c0-0000-7000-8000-000000000003', name: 'field-scheduler', type: 'CREWAI', status: 'ERROR' },
];
const TYPES = ['TOOL_CALL', 'DECISION', 'ERROR', 'HUMAN_REQUEST'];
let seq = 0;
function activity(at = new Date()) {
  seq += 1;
  const type = TYPES[seq % TYPES.length];
  return {
    id: `0193a0c0-0000-7000-9000-${String(seq).padStart(12, '0')}`,
    agentId: seq % 5 === 0 ? '0193a0c0-0000-7000-8000-0000000000ff' : agents[seq % agents.length].id,
    type,
    costUsd: type === 'TOOL_CALL' ? (0.0001 * seq).toFixed(4) : null,
    durationMs: type === 'TOOL_CALL' ? 100 + seq * 7 : null,
    timestamp: at.toISOString(),
  };
}
const history = Array.from({ length: 25 }, (_, i) => activity(new Date(Date.now() - (25 - i) * 60_000)));

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
};

const server = createServer(async (req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/__mock/drop') {
    sockets.forEach((s) => s.destroy());
    return send(res, 200, 'text/plain', `dropped ${sockets.size}\n`);
  }
  if (url.pathname === '/__mock/expire') {
    token = `mock-token-${Date.now()}`;
    return send(res, 200, 'text/plain', 'token expired\n');
  }
  if (url.pathname === '/graphql' && req.method === 'POST') return graphql(req, res);
  const path = normalize(url.pathname).replace(/^(\.\.[/\\])+/, '');
  try {
    const body = await readFile(join(dist, path));
    return send(res, 200, MIME[extname(path)] || 'application/octet-stream', body);
  } catch {
    return send(res, 200, MIME['.html'], await readFile(join(dist, 'index.html')));
  }
});

function send(res, status, type, body, headers = {}) {
  res.writeHead(status, { 'content-type': type, ...headers });
  res.end(body);
}

async function graphql(req, res) {
  let raw = '';
  for await (const chunk of req) raw += chunk;
  const json = (status, body) => send(res, status, 'application/json', JSON.stringify(body));
  if (!(req.headers['content-type'] || '').startsWith('application/json')) {
    return json(400, { errors: [{ message: 'Content-Type must be application/json' }] });
  }
  const { operationName, variables } = JSON.parse(raw);
  if (operationName === 'LogIn') {
    const { email, password } = variables.input;
    if (email !== EMAIL || password !== PASSWORD) {
      return json(200, { data: null, errors: [{ message: 'Invalid email or password', extensions: { code: 'UNAUTHENTICATED' } }] });
    }
    return json(200, { data: { logIn: { accessToken: token, refreshToken: `r-${token}`, expiresIn: 3600 } } });
  }
  if (req.headers.authorization !== `Bearer ${token}`) {
    return json(401, { errors: [{ message: 'Your session has expired', extensions: { code: 'UNAUTHENTICATED' } }] });
  }
  switch (operationName) {
    case 'Viewer':
      return json(200, {
        data: {
          viewer: {
            role: 'ADMIN',
            organization: { id: 'org-1', name: 'Acme Robotics', plan: 'PRO' },
            user: { email: EMAIL },
          },
        },
      });
    case 'Agents':
      return json(200, { data: { agents: { nodes: agents.slice(0, variables.first ?? 50) } } });
    case 'RecentActivities':
      return json(200, { data: { activities: { nodes: history.slice(-(variables.first ?? 20)).reverse() } } });
    default:
      return json(200, { errors: [{ message: `mock-api does not know ${operationName}` }] });
  }
}

// ---- graphql-transport-ws over a hand-rolled WebSocket (RFC 6455, text frames only) ----

const sockets = new Set();
const subscribers = new Set();

server.on('upgrade', (req, socket) => {
  const protocols = (req.headers['sec-websocket-protocol'] || '').split(',').map((p) => p.trim());
  if (new URL(req.url, 'http://localhost').pathname !== '/graphql/ws' || !protocols.includes('graphql-transport-ws')) {
    socket.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    return;
  }
  const accept = createHash('sha1')
    .update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11')
    .digest('base64');
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n`,
  );
  sockets.add(socket);
  const conn = { socket, acked: false, subId: null };
  let buffer = Buffer.alloc(0);
  socket.on('data', (chunk) => {
    buffer = Buffer.concat([buffer, chunk]);
    for (;;) {
      const frame = readFrame(buffer);
      if (!frame) break;
      buffer = buffer.subarray(frame.size);
      if (frame.opcode === 8) return close(conn, 1000, '');
      if (frame.opcode === 9) socket.write(frameOf(frame.payload, 0xa));
      if (frame.opcode === 1) onMessage(conn, JSON.parse(frame.payload.toString('utf8')));
    }
  });
  const forget = () => {
    sockets.delete(socket);
    subscribers.delete(conn);
  };
  socket.on('close', forget);
  socket.on('error', forget);
});

function onMessage(conn, msg) {
  const out = (m) => conn.socket.write(frameOf(Buffer.from(JSON.stringify(m)), 1));
  switch (msg.type) {
    case 'connection_init':
      if (msg.payload?.authorization !== `Bearer ${token}`) return close(conn, 4403, 'Forbidden');
      conn.acked = true;
      return out({ type: 'connection_ack' });
    case 'ping':
      return out({ type: 'pong' });
    case 'subscribe':
      if (!conn.acked) return close(conn, 4401, 'Unauthorized');
      conn.subId = msg.id;
      conn.out = out;
      subscribers.add(conn);
      return;
    case 'complete':
      subscribers.delete(conn);
      return;
    default:
      return;
  }
}

function close(conn, code, reason) {
  const payload = Buffer.concat([Buffer.from([code >> 8, code & 0xff]), Buffer.from(reason)]);
  conn.socket.end(frameOf(payload, 8));
  subscribers.delete(conn);
}

function readFrame(buf) {
  if (buf.length < 2) return null;
  const opcode = buf[0] & 0x0f;
  const masked = (buf[1] & 0x80) !== 0;
  let len = buf[1] & 0x7f;
  let offset = 2;
  if (len === 126) {
    if (buf.length < 4) return null;
    len = buf.readUInt16BE(2);
    offset = 4;
  } else if (len === 127) {
    if (buf.length < 10) return null;
    len = Number(buf.readBigUInt64BE(2));
    offset = 10;
  }
  const maskOffset = offset;
  if (masked) offset += 4;
  if (buf.length < offset + len) return null;
  const payload = Buffer.from(buf.subarray(offset, offset + len));
  if (masked) for (let i = 0; i < len; i++) payload[i] ^= buf[maskOffset + (i % 4)];
  return { opcode, payload, size: offset + len };
}

function frameOf(payload, opcode) {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, len]) : Buffer.alloc(4);
  if (len >= 126) {
    if (len > 0xffff) throw new Error('mock-api frames stay small');
    head[0] = 0x80 | opcode;
    head[1] = 126;
    head.writeUInt16BE(len, 2);
  }
  return Buffer.concat([head, payload]);
}

setInterval(() => {
  const a = activity();
  history.push(a);
  if (history.length > 500) history.shift();
  for (const conn of subscribers) {
    conn.out({ id: conn.subId, type: 'next', payload: { data: { activityFeed: a } } });
  }
}, 1500).unref();

server.listen(port, '127.0.0.1', () => {
  console.log(`mock-api on http://127.0.0.1:${port} serving ${dist}; sign in as ${EMAIL} / ${PASSWORD}`);
});
