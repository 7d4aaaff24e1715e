// Checks the running demo (scripts/demo.sh) the way its users meet it: the
// official Phoenix client on two of the three nodes, the room list from the
// third, and the README's Elixir peer posting into room:lobby. Run by
// demo_test.sh inside the demo's network namespace.
//
// Usage: node demo_check.mjs SOURCE_DIR
import {spawn} from "node:child_process";
import {createRequire} from "node:module";
import path from "node:path";

const src = process.argv[2];
const require = createRequire(path.join(src, "package.json"));
const {Socket, Presence} = require("phoenix");
const WebSocket = require("ws");

const deadline = (ms, what) =>
  new Promise((_, reject) =>
    setTimeout(() => reject(new Error(`timeout: ${what}`)), ms).unref());
const within = (ms, what, promise) => Promise.race([promise, deadline(ms, what)]);
const until = async (ms, what, cond) => {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timeout: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

function join(port, user) {
  const socket = new Socket(`ws://127.0.0.1:${port}/socket`, {transport: WebSocket});
  socket.connect();
  const channel = socket.channel("room:lobby", {user});
  const presence = new Presence(channel);
  const messages = [];
  channel.on("new_msg", (m) => messages.push(m));
  return within(15000, `join on ${port}`, new Promise((resolve, reject) => {
    channel.join()
      .receive("ok", (reply) => resolve({socket, channel, presence, messages, reply}))
      .receive("error", (e) => reject(new Error(JSON.stringify(e))));
  }));
}

function post(client, body) {
  return within(10000, "post", new Promise((resolve, reject) => {
    client.channel.push("new_msg", {body})
      .receive("ok", resolve)
      .receive("error", (e) => reject(new Error(JSON.stringify(e))));
  }));
}

const users = (client) => client.presence.list((key) => key).sort();

const ann = await join(8080, "ann");
const bob = await join(8082, "bob");
if (!ann.reply.node.startsWith("chat1@") || !bob.reply.node.startsWith("chat3@"))
  throw new Error(`join replies name the wrong nodes: ${ann.reply.node}, ${bob.reply.node}`);
await until(15000, "both see ann and bob", () =>
  users(ann).join() === "ann,bob" && users(bob).join() === "ann,bob");
console.log("presence on both nodes:", users(ann));

await post(ann, "hello from the demo test");
await until(10000, "bob gets ann's message", () =>
  bob.messages.some((m) => m.body === "hello from the demo test" && m.user === "ann"
    && m.node === ann.reply.node));
console.log("bob on chat3 got ann's message from chat1");

// chat2 counts members from presence, which reaches it a flush later.
let served = "", rooms = {};
await until(10000, "chat2's /api/rooms to list lobby with 2 members", async () => {
  const res = await fetch("http://127.0.0.1:8081/api/rooms");
  rooms = await res.json();
  served = res.headers.get("x-served-by") || "";
  return rooms.rooms.some((r) => r.name === "lobby" && r.members === 2);
}).catch((e) => {
  throw new Error(`${e.message}: ${JSON.stringify(rooms)}`);
});
if (!served.startsWith("chat2@"))
  throw new Error(`/api/rooms on 8081 served by ${served}`);
console.log("chat2 lists lobby with 2 members");

// The README's second command.
const elixir = spawn("elixir", ["--sname", "ex", "apps/chat/elixir/chat_peer.exs",
  "--say", "hi from the elixir peer", "--for", "20"],
  {cwd: src, stdio: ["ignore", "pipe", "pipe"], env: process.env});
let out = "";
elixir.stdout.on("data", (d) => (out += d));
elixir.stderr.on("data", (d) => (out += d));
try {
  await until(30000, "bob gets the elixir peer's message", () =>
    bob.messages.some((m) => m.body === "hi from the elixir peer" && m.user === "elixir"));
  // chat1 sends room messages to the Elixir node once that node answered
  // that it runs Phoenix channels (asked when it connected, again while it
  // says no): ann answers until the peer prints one of her answers.
  let answered = false;
  for (let k = 0; k < 15 && !answered; ++k) {
    await post(ann, `ann answers elixir ${k}`);
    try {
      await until(1000, "", () => /ann@chat1@\S+: ann answers elixir \d+/.test(out));
      answered = true;
    } catch {}
  }
  if (!answered) throw new Error("the elixir peer never printed ann's answers");
  console.log("the elixir peer and the browsers' clients hear each other");
} catch (e) {
  console.log("elixir peer output:\n" + out);
  throw e;
} finally {
  elixir.kill("SIGKILL");
}
ann.socket.disconnect();
bob.socket.disconnect();
process.exit(0);
