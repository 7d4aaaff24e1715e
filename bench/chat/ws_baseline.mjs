// The baseline of bench/run_chat.sh: a minimal Node.js chat on npm `ws`
// doing the same fan-out as cafe-chat on one node. It speaks just enough
// Phoenix Channels V2 for the load generator: heartbeat and phx_join /
// phx_leave replies, and each new_msg replied ok and broadcast to every
// member of its room as [null,null,topic,"new_msg",{id,user,body,at}]
// (the fields cafe-chat sends, less "node"). No presence, no history, no
// limits: a lower bound on the work per message.
//
//   node bench/chat/ws_baseline.mjs [--port 0] [--bind 127.0.0.1]
//
// Prints "ws-baseline listening on http://ADDR:PORT" when ready.
import { WebSocketServer, WebSocket } from 'ws';

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const port = Number(arg('--port', '0'));
const bind = arg('--bind', '127.0.0.1');
const rooms = new Map(); // topic -> Set of sockets
let nextId = 0;

const wss = new WebSocketServer({
  host: bind,
  port,
  path: '/socket/websocket',
  perMessageDeflate: false,
  maxPayload: 1024 * 1024,
  backlog: 4096,
});

function reply(ws, joinRef, ref, topic, status, response) {
  ws.send(JSON.stringify([joinRef, ref, topic, 'phx_reply',
    { status, response }]));
}

wss.on('connection', (ws) => {
  ws.joined = new Map(); // topic -> { joinRef, user }
  ws.on('message', (data, isBinary) => {
    let frame;
    try {
      if (isBinary) throw new Error('binary');
      frame = JSON.parse(data);
    } catch {
      ws.close(1007, 'invalid frame');
      return;
    }
    if (!Array.isArray(frame) || frame.length < 5) {
      ws.close(1007, 'invalid frame');
      return;
    }
    const [joinRef, ref, topic, event, payload] = frame;
    if (topic === 'phoenix' && event === 'heartbeat') {
      reply(ws, null, ref, topic, 'ok', {});
    } else if (event === 'phx_join') {
      const jr = joinRef ?? ref;
      ws.joined.set(topic, { joinRef: jr, user: String(payload?.user ?? '') });
      if (!rooms.has(topic)) rooms.set(topic, new Set());
      rooms.get(topic).add(ws);
      reply(ws, jr, ref, topic, 'ok', {});
    } else if (event === 'phx_leave') {
      const ch = ws.joined.get(topic);
      ws.joined.delete(topic);
      rooms.get(topic)?.delete(ws);
      reply(ws, ch?.joinRef ?? joinRef, ref, topic, 'ok', {});
    } else if (event === 'new_msg') {
      const ch = ws.joined.get(topic);
      if (!ch) {
        reply(ws, null, ref, topic, 'error', { reason: 'unmatched topic' });
        return;
      }
      reply(ws, ch.joinRef, ref, topic, 'ok', {});
      // Encoded once, sent to every member (Phoenix's fastlane shape).
      const out = JSON.stringify([null, null, topic, 'new_msg', {
        id: ++nextId, user: ch.user, body: String(payload?.body ?? ''),
        at: new Date().toISOString(),
      }]);
      for (const member of rooms.get(topic)) {
        if (member.readyState === WebSocket.OPEN) member.send(out);
      }
    }
  });
  ws.on('close', () => {
    for (const topic of ws.joined.keys()) rooms.get(topic)?.delete(ws);
  });
  ws.on('error', () => {});
});

wss.on('listening', () => {
  const a = wss.address();
  console.log(`ws-baseline listening on http://${a.address}:${a.port}`);
});

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => process.exit(0));
}
