// The chat's end-to-end test harness: cafe-chat nodes as child processes
// (each on its own 127.0.0.N, all on one distribution port without EPMD),
// clustered and probed; the official phoenix client in Node over `ws`; raw
// WebSocket and TCP clients (peers.mjs: a failover proxy, Chromium, an
// Elixir peer). Every process it starts is killed by PID on every path: at
// the end of a test, on exit, and by a watchdog if this process dies.
import {spawn} from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import os from "node:os";
import {fileURLToPath} from "node:url";
import WebSocket from "ws";
import {Socket, Presence} from "phoenix";

export {WebSocket, Socket, Presence};

const here = path.dirname(fileURLToPath(import.meta.url));
export const REPO = path.resolve(here, "../../../..");

// -- environment ------------------------------------------------------------

/** The cafe-chat program; set by CMake ($<TARGET_FILE:cafe-chat>). */
export function chatBin() {
  const bin = process.env.CAFE_CHAT_BIN;
  if (!bin || !fs.existsSync(bin))
    throw new Error(`CAFE_CHAT_BIN is not set to the cafe-chat program ` +
                    `(got ${JSON.stringify(bin)}): build target cafe-chat`);
  return bin;
}

/** Fails (never skips) when a program the test needs is missing. */
export function requireProgram(file, pkg) {
  const found = file.includes("/")
    ? fs.existsSync(file)
    : (process.env.PATH || "").split(":").some(
        (d) => d && fs.existsSync(path.join(d, file)));
  if (!found)
    throw new Error(`${file} not found: install the Debian package ${pkg} ` +
                    `(scripts/setup-deps.sh --tests)`);
}

// Work files (node logs, the pid list) and artifacts live under the build
// tree when CMake says where; work files are removed when every test passed.
const workRoot = process.env.CHAT_TEST_WORK || os.tmpdir();
fs.mkdirSync(workRoot, {recursive: true});
export const WORK = fs.mkdtempSync(path.join(workRoot, "chat-e2e."));
export const ARTIFACTS = process.env.CHAT_TEST_ARTIFACTS ||
  path.join(WORK, "artifacts");
fs.mkdirSync(ARTIFACTS, {recursive: true});

// -- processes --------------------------------------------------------------

const children = new Map(); // pid -> ChildProcess
const pidFile = path.join(WORK, "pids");
fs.writeFileSync(pidFile, "");
let failed = false;

function writePids() {
  fs.writeFileSync(pidFile, [...children.keys()].map((p) => `${p}\n`).join(""));
}

/**
 * Tracks a process this harness did not spawn itself (Chromium's, started
 * by playwright-core): it is killed like the others, and forgotten when it
 * exits.
 */
export function adoptProcess(proc) {
  children.set(proc.pid, proc);
  writePids();
  proc.once("exit", () => { children.delete(proc.pid); writePids(); });
}

export function killGroup(pid) {
  try { process.kill(-pid, "SIGKILL"); } catch {}
  try { process.kill(pid, "SIGKILL"); } catch {}
}

/**
 * Starts a program in its own process group, recorded for the watchdog.
 * Its output goes to `${WORK}/<logName>.log` (and stdout lines to
 * `onLine`).
 */
export function startProcess(file, args, {logName, onLine, env, stdin} = {}) {
  const log = fs.openSync(path.join(WORK, `${logName || "proc"}.log`), "a");
  const child = spawn(file, args, {
    detached: true,
    stdio: [stdin ? "pipe" : "ignore", "pipe", log],
    env: {...process.env, ERL_CRASH_DUMP_SECONDS: "0", ...env},
  });
  if (child.pid === undefined) throw new Error(`could not start ${file}`);
  children.set(child.pid, child);
  writePids();
  child.exited = new Promise((resolve) =>
    child.on("exit", (code, signal) => {
      children.delete(child.pid);
      writePids();
      fs.closeSync(log);
      resolve({code, signal});
    }));
  let buf = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (d) => {
    fs.appendFileSync(path.join(WORK, `${logName || "proc"}.out`), d);
    buf += d;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (onLine) onLine(line);
    }
  });
  return child;
}

/** Kills a process group started here and waits until it is reaped. */
export async function killProcess(child, signal = "SIGKILL", graceMs = 10000) {
  if (!children.has(child.pid)) return child.exited;
  try { process.kill(signal === "SIGKILL" ? -child.pid : child.pid, signal); }
  catch {}
  const t = setTimeout(() => killGroup(child.pid), graceMs);
  const result = await child.exited;
  clearTimeout(t);
  killGroup(child.pid); // whatever it left in its group
  return result;
}

export function killAll() {
  for (const pid of [...children.keys()]) killGroup(pid);
}

process.on("exit", () => {
  killAll();
  if (!failed && process.exitCode !== 1 && !process.env.CHAT_TEST_KEEP) {
    // Artifacts outside WORK (the build tree's) stay.
    try { fs.rmSync(WORK, {recursive: true, force: true}); } catch {}
  }
});
for (const [sig, code] of [["SIGINT", 130], ["SIGTERM", 143]])
  process.on(sig, () => process.exit(code));

/** Marks the run failed: its work files stay for the logs. */
export function markFailed() {
  failed = true;
}

// The watchdog: kills every recorded group if this process disappears
// without its exit handler (SIGKILL from a test runner's timeout).
{
  const script = `while kill -0 "$1" 2>/dev/null; do sleep 1; done
while read -r p; do kill -KILL -- "-$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null; done <"$2"`;
  const w = spawn("bash", ["-c", script, "chat-watchdog", String(process.pid),
                           pidFile], {detached: true, stdio: "ignore"});
  w.unref();
}

// -- waiting ----------------------------------------------------------------

/** Marks the run failed (its work files stay) and prints each node's log tail. */
export function dumpLogs(nodes) {
  markFailed();
  for (const n of nodes)
    console.error(`--- ${n.name} log:\n${n.logTail(`${n.alive}.${n.starts}`)}`);
}

/**
 * Subtests of `t0` run in order; a failing one dumps the logs of the
 * nodes `nodes()` names at that moment, then fails.
 */
export function loggedSubtests(t0, nodes) {
  return {test: (name, fn) => t0.test(name, async () => {
    try { await fn(); } catch (e) { dumpLogs(nodes()); throw e; }
  })};
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `pred` (sync or async) until it is truthy; throws after `timeout`. */
export async function waitFor(pred, {timeout = 10000, interval = 50,
                                     what = "condition"} = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await pred();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end)
      throw new Error(`timed out after ${timeout} ms waiting for ${what}` +
                      (last ? ` (last error: ${last.message})` : ""));
    await sleep(interval);
  }
}

/** A promise that rejects after `ms`, naming what it waited for. */
export function withTimeout(promise, ms, what) {
  let t;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      t = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
    }),
  ]).finally(() => clearTimeout(t));
}

// -- addresses --------------------------------------------------------------

// Each node gets its own 127.0.0.N. Test files that run at the same time
// start at different N (by pid); ports are always chosen free.
let nextHost = 10 + (process.pid % 48) * 5;
export function nextAddress() {
  const a = `127.0.0.${nextHost}`;
  nextHost = nextHost >= 250 ? 10 : nextHost + 1;
  return a;
}

/** A port free on every address in `hosts` right now. */
export async function freePort(hosts = ["127.0.0.1"]) {
  for (let attempt = 0; attempt < 20; ++attempt) {
    const port = await new Promise((resolve, reject) => {
      const s = net.createServer();
      s.once("error", reject);
      s.listen(0, hosts[0], () => {
        const p = s.address().port;
        s.close(() => resolve(p));
      });
    });
    let ok = true;
    for (const h of hosts.slice(1)) {
      ok = await new Promise((resolve) => {
        const s = net.createServer();
        s.once("error", () => resolve(false));
        s.listen(port, h, () => s.close(() => resolve(true)));
      });
      if (!ok) break;
    }
    if (ok) return port;
  }
  throw new Error("no free port");
}

// -- cafe-chat nodes --------------------------------------------------------

const READY_RE = /^cafe-chat (\S+) listening on http:\/\/([0-9.]+):(\d+)$/;

export class ChatNode {
  constructor({alive, host, cookie, distPort, pubsub = "Chat.PubSub",
               history, allowedOrigins = [], extraArgs = []}) {
    this.alive = alive;
    this.host = host;
    this.name = `${alive}@${host}`;
    this.cookie = cookie;
    this.distPort = distPort;
    this.pubsub = pubsub;
    this.history = history;
    this.allowedOrigins = allowedOrigins;
    this.extraArgs = extraArgs;
    this.peers = [];
    this.port = 0;
    this.child = null;
    this.starts = 0;
  }

  get url() { return `http://${this.host}:${this.port}`; }
  get socketUrl() { return `ws://${this.host}:${this.port}/socket`; }
  get pid() { return this.child?.pid; }

  args() {
    const a = ["--name", this.name, "--cookie", this.cookie,
               "--erl-epmd-port", String(this.distPort), "--listen", this.host,
               "--bind", this.host, "--port", String(this.port),
               "--pubsub", this.pubsub, "--threads", "2"];
    if (this.history !== undefined) a.push("--history", String(this.history));
    for (const o of this.allowedOrigins) a.push("--allowed-origin", o);
    if (this.peers.length)
      a.push("--discovery", "epmd", "--epmd.hosts", this.peers.join(","));
    return a.concat(this.extraArgs);
  }

  /** Starts it (on its last port after a first start) and waits for the ready line. */
  async start(timeout = 30000) {
    if (this.child) throw new Error(`${this.name} already running`);
    this.starts += 1;
    let resolveReady;
    const ready = new Promise((r) => { resolveReady = r; });
    const logName = `${this.alive}.${this.starts}`;
    const child = startProcess(chatBin(), this.args(), {
      logName,
      onLine: (line) => {
        const m = READY_RE.exec(line);
        if (m) resolveReady(m);
      },
    });
    this.child = child;
    const exited = child.exited.then((r) => {
      throw new Error(`${this.name} exited before it was ready ` +
                      `(${JSON.stringify(r)}): ${this.logTail(logName)}`);
    });
    exited.catch(() => {}); // it may exit later, on purpose
    let m;
    try {
      m = await withTimeout(Promise.race([ready, exited]), timeout,
                            `${this.name}'s ready line`);
    } catch (e) {
      await this.kill();
      throw e;
    }
    if (m[1] !== this.name)
      throw new Error(`ready line names ${m[1]}, expected ${this.name}`);
    if (m[2] !== this.host)
      throw new Error(`listens on ${m[2]}, expected ${this.host}`);
    this.port = Number(m[3]);
    return this;
  }

  logTail(logName, n = 2000) {
    try {
      const t = fs.readFileSync(path.join(WORK, `${logName}.log`), "utf8");
      return t.slice(-n);
    } catch {
      return "(no log)";
    }
  }

  /** SIGKILL (a crash) or SIGTERM (a graceful stop); waits until reaped. */
  async kill(signal = "SIGKILL") {
    if (!this.child) return null;
    const c = this.child;
    this.child = null;
    return killProcess(c, signal);
  }

  /** Resident memory in KiB (from /proc). */
  rssKiB() {
    const s = fs.readFileSync(`/proc/${this.pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+)/.exec(s)[1]);
  }

  async get(p, init) {
    return fetch(this.url + p, init);
  }

  async metrics() {
    const r = await this.get("/metrics");
    return parseMetrics(await r.text());
  }
}

/** Prometheus text -> Map(name{labels} -> number). */
export function parseMetrics(text) {
  const m = new Map();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const i = line.lastIndexOf(" ");
    if (i > 0) m.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return m;
}

/** The first metric whose name matches `re`, or undefined. */
export function metric(metrics, re) {
  for (const [k, v] of metrics) if (re.test(k)) return v;
  return undefined;
}

/**
 * `count` nodes chat1..chatN, one 127.0.0.N each (`allowedOrigins`: a list,
 * or a function of the nodes, whose ports are then chosen before start), all on one distribution
 * port (no EPMD), each told the others (`--discovery epmd`), started and
 * checked to be one cluster: every node's /readyz answers 200 and a
 * message pushed on every node reaches clients on all the others.
 */
export async function startCluster(count, {alive, allowedOrigins, ...opts} = {}) {
  let lastError;
  for (let attempt = 0; attempt < 3; ++attempt) {
    const hosts = Array.from({length: count}, () => nextAddress());
    const distPort = await freePort(hosts);
    const cookie = `c${process.pid}x${Date.now()}`;
    const nodes = hosts.map((host, i) => new ChatNode({
      ...opts, alive: alive ? alive(i) : `chat${i + 1}`, host, cookie,
      distPort}));
    for (const n of nodes)
      n.peers = count > 1 ? nodes.filter((o) => o !== n).map((o) => o.name) : [];
    // An allow-list that names the nodes' own origins needs their ports
    // before they start.
    if (typeof allowedOrigins === "function") {
      for (const n of nodes) n.port = await freePort([n.host]);
      for (const n of nodes) n.allowedOrigins = allowedOrigins(nodes);
    } else if (allowedOrigins) {
      for (const n of nodes) n.allowedOrigins = allowedOrigins;
    }
    try {
      await Promise.all(nodes.map((n) => n.start()));
      if (count > 1) await waitClustered(nodes);
      return nodes;
    } catch (e) {
      lastError = e;
      await Promise.all(nodes.map((n) => n.kill()));
      // A port taken meanwhile: try again with another; anything else
      // fails the test.
      if (!/address.*in use|EADDRINUSE|bind/i.test(String(e.message))) throw e;
    }
  }
  throw lastError;
}

/** Every node ready and every node's messages reaching every other node. */
export async function waitClustered(nodes, timeout = 30000) {
  await waitFor(async () => {
    for (const n of nodes) {
      const r = await n.get("/readyz");
      await r.text();
      if (r.status !== 200) return false;
    }
    return true;
  }, {timeout, interval: 200, what: "every node's /readyz to answer 200"});
  const room = `probe-${process.pid}-${Date.now() % 100000}`;
  const clients = await Promise.all(nodes.map((n, i) =>
    connectClient(n, {room, user: `probe${i}`})));
  try {
    await waitFor(async () => {
      for (const [i, c] of clients.entries()) {
        const body = `probe from ${nodes[i].name} ${Date.now()}`;
        const r = await c.push("new_msg", {body});
        if (r.status !== "ok") return false;
        for (const o of clients)
          if (o !== c) await o.inbox.next((m) => m.body === body, 1500);
      }
      return true;
    }, {timeout, interval: 200, what: "messages to cross the cluster"});
  } finally {
    for (const c of clients) c.close();
  }
}

// -- the official phoenix client in Node ------------------------------------

/** A queue of events with waits: next(pred, timeout) removes the first match. */
export class Inbox {
  constructor() {
    this.items = [];
    this.waiters = [];
  }

  put(item) {
    for (const w of this.waiters) {
      if (w.pred(item)) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(item);
        return;
      }
    }
    this.items.push(item);
  }

  next(pred = () => true, timeout = 10000, what = "a message") {
    const i = this.items.findIndex(pred);
    if (i >= 0) return Promise.resolve(this.items.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const w = {pred, resolve};
      w.timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`timed out after ${timeout} ms waiting for ${what}; ` +
                         `holding ${JSON.stringify(this.items).slice(0, 800)}`));
      }, timeout);
      const orig = resolve;
      w.resolve = (v) => { clearTimeout(w.timer); orig(v); };
      this.waiters.push(w);
    });
  }
}

/** A phoenix Socket on `node` (or a ws:// endpoint), with the `ws` transport. */
// Sockets not yet disconnected: a test that failed half way must not leave
// clients reconnecting, which keeps the suite alive until ctest's timeout.
const liveSockets = new Set();
export function disconnectAll() {
  for (const s of [...liveSockets]) s.disconnect();
}

export function phxSocket(target, opts = {}) {
  const endPoint = typeof target === "string" ? target : target.socketUrl;
  const socket = new Socket(endPoint, {
    transport: WebSocket,
    reconnectAfterMs: (tries) => [50, 100, 200, 500][tries - 1] || 1000,
    rejoinAfterMs: (tries) => [100, 500, 1000][tries - 1] || 2000,
    ...opts,
  });
  socket.stats = {opens: 0, closes: 0, errors: 0};
  socket.onOpen(() => { socket.stats.opens += 1; });
  socket.onClose(() => { socket.stats.closes += 1; });
  socket.onError(() => { socket.stats.errors += 1; });
  const disconnect = socket.disconnect.bind(socket);
  socket.disconnect = (...a) => (liveSockets.delete(socket), disconnect(...a));
  liveSockets.add(socket);
  socket.connect();
  return socket;
}

/** Joins `topic`; resolves with the ok response, rejects with the error one. */
export function join(channel, timeout = 10000) {
  return new Promise((resolve, reject) => {
    let done = false;
    channel.join(timeout)
      .receive("ok", (resp) => { if (!done) { done = true; resolve(resp); } })
      .receive("error", (resp) => {
        if (!done) {
          done = true;
          channel.leave(); // no endless rejoin
          const e = new Error(`join refused: ${JSON.stringify(resp)}`);
          e.response = resp;
          reject(e);
        }
      })
      .receive("timeout", () => {
        if (!done) { done = true; reject(new Error("join timed out")); }
      });
  });
}

/** A push; resolves with {status, response} (ok, error or timeout). */
export function pushAndWait(channel, event, payload, timeout = 10000) {
  return new Promise((resolve) => {
    channel.push(event, payload, timeout)
      .receive("ok", (response) => resolve({status: "ok", response}))
      .receive("error", (response) => resolve({status: "error", response}))
      .receive("timeout", () => resolve({status: "timeout"}));
  });
}

/**
 * A connected client joined to `room:<room>` as `user`: its socket,
 * channel, join reply, an inbox of new_msg payloads, a Presence and every
 * presence event. `close()` disconnects it.
 */
export async function connectClient(node, {room = "lobby", user,
                                           socketOpts = {}} = {}) {
  const socket = phxSocket(node, socketOpts);
  const channel = socket.channel(`room:${room}`, {user});
  const c = {socket, channel, inbox: new Inbox(), presenceEvents: new Inbox(),
             syncs: 0, joins: 0, node, user};
  channel.on("new_msg", (m) => c.inbox.put(m));
  channel.on("presence_state", (p) => c.presenceEvents.put({event: "state", p}));
  channel.on("presence_diff", (p) => c.presenceEvents.put({event: "diff", p}));
  c.presence = new Presence(channel);
  c.presence.onSync(() => { c.syncs += 1; });
  c.joinReplies = new Inbox();
  c.push = (event, payload, timeout) => pushAndWait(channel, event, payload, timeout);
  c.close = () => new Promise((resolve) => socket.disconnect(resolve, 1000));
  c.users = () => c.presence.list((k) => k).sort();
  try {
    c.reply = await new Promise((resolve, reject) => {
      channel.join()
        .receive("ok", (resp) => {
          c.joins += 1;
          c.joinReplies.put(resp);
          resolve(resp);
        })
        .receive("error", (resp) => {
          channel.leave();
          const e = new Error(`join of room:${room} as ${JSON.stringify(user)} ` +
                              `refused: ${JSON.stringify(resp)}`);
          e.response = resp;
          reject(e);
        })
        .receive("timeout", () => reject(new Error(`join of room:${room} timed out`)));
    });
  } catch (e) {
    socket.disconnect();
    throw e;
  }
  return c;
}

// -- raw clients --------------------------------------------------------------

/**
 * A raw `ws` client on the socket path: resolves {ws, messages, closed}
 * once open, or {status, headers} when the upgrade is refused.
 */
export function rawSocket(node, {origin, query = "vsn=2.0.0", headers} = {}) {
  const url = `ws://${node.host}:${node.port}/socket/websocket?${query}`;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {origin, headers, maxPayload: 64 << 20});
    const messages = new Inbox();
    const closed = new Promise((r) =>
      ws.on("close", (code, reason) => r({code, reason: reason.toString()})));
    ws.on("message", (data, isBinary) =>
      messages.put(isBinary ? data : JSON.parse(data.toString())));
    ws.on("open", () => resolve({ws, messages, closed}));
    ws.on("unexpected-response", (req, res) => {
      let body = "";
      res.on("data", (d) => { body += d; });
      res.on("end", () => resolve({status: res.statusCode, headers: res.headers, body}));
      res.on("error", () => resolve({status: res.statusCode, headers: res.headers, body}));
    });
    ws.on("error", (e) => reject(e));
  });
}
