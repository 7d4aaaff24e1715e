// The cafe-chat page: the official Phoenix JS client (npm `phoenix`, served
// by cafe-chat at /phoenix.mjs), no build step. Every text from the server
// or the user is inserted with textContent, never as HTML.
import {Socket, Presence} from "/phoenix.mjs";

const NICK_KEY = "cafe-chat.nick";
const ROOM_KEY = "cafe-chat.room";
const ROOMS_REFRESH_MS = 3000;
const ROOM_RE = /^[A-Za-z0-9_-]{1,32}$/;
// The server decides (letters, digits, space, _-.); the page only trims
// and bounds the length, and shows the server's reason on refusal.
const NICK_MAX = 24;

const $ = (id) => document.getElementById(id);
const ui = {
  conn: $("conn-state"),
  node: $("node"),
  httpNode: $("http-node"),
  nick: $("nick"),
  roomForm: $("room-form"),
  roomName: $("room-name"),
  rooms: $("rooms"),
  roomsNode: $("rooms-node"),
  currentRoom: $("current-room"),
  roomState: $("room-state"),
  error: $("error"),
  messages: $("messages"),
  composer: $("composer"),
  body: $("body"),
  send: $("send"),
  presence: $("presence"),
  presenceCount: $("presence-count"),
};

// No longPollFallbackMs: cafe-chat speaks WebSocket only, and the client
// reconnects with its own backoff.
const socket = new Socket("/socket", {params: {}});

let channel = null;
let presence = null;
let room = null;
// The messages shown, by id (history after a rejoin overlaps them).
let shown = new Map();

function setBadge(el, state, text) {
  el.dataset.state = state;
  el.textContent = text;
}

function showError(text) {
  ui.error.textContent = text;
  ui.error.hidden = !text;
}

socket.onOpen(() => setBadge(ui.conn, "connected", "connected"));
socket.onError(() => setBadge(ui.conn, "error", "connection error"));
socket.onClose(() =>
  setBadge(ui.conn, "disconnected", "disconnected, reconnecting"));
socket.connect();

// ---------------------------------------------------------------- nickname

ui.nick.value = localStorage.getItem(NICK_KEY) || "";
ui.nick.addEventListener("change", () => {
  ui.nick.value = ui.nick.value.trim();
  localStorage.setItem(NICK_KEY, ui.nick.value);
});

function nickname() {
  return ui.nick.value.trim().slice(0, NICK_MAX);
}

// ------------------------------------------------------------------- rooms

ui.roomForm.addEventListener("submit", (ev) => {
  ev.preventDefault();
  joinRoom(ui.roomName.value.trim());
});

function joinRoom(name) {
  if (!ROOM_RE.test(name)) {
    showError("A room name is 1-32 letters, digits, _ or -.");
    return;
  }
  const user = nickname();
  if (!user) {
    showError("Choose a nickname first.");
    ui.nick.focus();
    return;
  }
  localStorage.setItem(NICK_KEY, user);
  localStorage.setItem(ROOM_KEY, name);
  leaveRoom();
  showError("");
  room = name;
  shown = new Map();
  ui.messages.replaceChildren();
  ui.currentRoom.textContent = name;
  ui.roomName.value = name;
  setBadge(ui.roomState, "joining", "joining");

  const ch = socket.channel(`room:${name}`, {user});
  channel = ch;
  presence = new Presence(ch);
  presence.onSync(() => renderPresence(presence));
  ch.on("new_msg", (msg) => addMessages([msg]));
  // The client errors the channel when the connection drops and rejoins
  // it on the next open; every successful (re)join fires "ok" again.
  ch.onError(() => {
    if (ch === channel) setBadge(ui.roomState, "errored", "rejoining");
  });
  ch.join()
    .receive("ok", (resp) => {
      if (ch !== channel) return;
      setBadge(ui.roomState, "joined", "joined");
      ui.node.textContent = String(resp.node ?? "?");
      addMessages(Array.isArray(resp.history) ? resp.history : []);
      setComposer(true);
      showError("");
    })
    .receive("error", (resp) => {
      if (ch !== channel) return;
      // A refused join is final for this page: stop the client's retries.
      showError(`Could not join ${name}: ${reason(resp)}`);
      leaveRoom();
    })
    .receive("timeout", () => {
      if (ch === channel) setBadge(ui.roomState, "errored", "join timed out");
    });
  refreshRooms();
}

function leaveRoom() {
  if (channel) channel.leave();
  channel = null;
  presence = null;
  setComposer(false);
  setBadge(ui.roomState, "none", "");
  renderPresence(null);
}

function setComposer(on) {
  ui.body.disabled = !on;
  ui.send.disabled = !on;
}

async function refreshRooms() {
  try {
    const res = await fetch("/api/rooms", {cache: "no-store"});
    ui.httpNode.textContent = res.headers.get("x-served-by") || "?";
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const data = await res.json();
    renderRooms(Array.isArray(data.rooms) ? data.rooms : []);
    ui.roomsNode.textContent = data.node ? `via ${data.node}` : "";
  } catch (e) {
    ui.roomsNode.textContent = "unreachable";
  }
}

function renderRooms(rooms) {
  const items = rooms
    .filter((r) => r && typeof r.name === "string")
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((r) => {
      const li = document.createElement("li");
      li.dataset.room = r.name;
      li.dataset.testid = "room";
      if (r.name === room) li.classList.add("current");
      const btn = document.createElement("button");
      btn.type = "button";
      btn.className = "room-link";
      const name = document.createElement("span");
      name.textContent = r.name;
      const count = document.createElement("span");
      count.className = "count";
      count.textContent = String(Number(r.members) || 0);
      btn.append(name, count);
      btn.addEventListener("click", () => joinRoom(r.name));
      li.append(btn);
      return li;
    });
  ui.rooms.replaceChildren(...items);
}

setInterval(refreshRooms, ROOMS_REFRESH_MS);
refreshRooms();

// ---------------------------------------------------------------- messages

ui.composer.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const body = ui.body.value;
  if (!channel || !body.trim()) return;
  const ch = channel;
  ch.push("new_msg", {body})
    .receive("ok", () => {
      if (ch === channel && ui.body.value === body) ui.body.value = "";
      showError("");
    })
    .receive("error", (resp) => showError(`Not sent: ${reason(resp)}`))
    .receive("timeout", () => showError("Not sent: no answer from the server"));
});

function reason(resp) {
  return resp && typeof resp.reason === "string" ? resp.reason : "unknown";
}

// Adds messages not shown yet and keeps the list in time order (ISO-8601
// UTC strings sort as text), so a rejoin's history merges with what the
// page already has.
function addMessages(msgs) {
  let added = false;
  for (const m of msgs) {
    if (!m || typeof m !== "object") continue;
    const id = String(m.id ?? `${m.at}|${m.user}|${m.body}`);
    if (shown.has(id)) continue;
    shown.set(id, m);
    added = true;
  }
  if (!added) return;
  const stick = ui.messages.scrollTop + ui.messages.clientHeight >=
    ui.messages.scrollHeight - 8;
  const sorted = [...shown.entries()].sort(
    (a, b) => String(a[1].at ?? "").localeCompare(String(b[1].at ?? "")));
  ui.messages.replaceChildren(...sorted.map(([id, m]) => messageItem(id, m)));
  if (stick) ui.messages.scrollTop = ui.messages.scrollHeight;
}

function messageItem(id, m) {
  const li = document.createElement("li");
  li.className = "msg";
  li.dataset.testid = "message";
  li.dataset.id = id;
  if (m.user === nickname()) li.classList.add("mine");
  const meta = document.createElement("div");
  meta.className = "meta";
  const user = document.createElement("span");
  user.className = "user";
  user.dataset.testid = "message-user";
  user.textContent = String(m.user ?? "");
  const time = document.createElement("time");
  time.className = "time";
  const at = String(m.at ?? "");
  time.dateTime = at;
  const d = new Date(at);
  time.textContent = isNaN(d) ? at : d.toLocaleTimeString();
  time.title = at;
  const node = document.createElement("span");
  node.className = "node";
  node.dataset.testid = "message-node";
  node.textContent = String(m.node ?? "");
  meta.append(user, time, node);
  const body = document.createElement("div");
  body.className = "body";
  body.dataset.testid = "message-body";
  body.textContent = String(m.body ?? "");
  li.append(meta, body);
  return li;
}

// ---------------------------------------------------------------- presence

function renderPresence(p) {
  const people = p
    ? p.list((user, {metas}) => ({
        user,
        conns: metas.length,
        nodes: [...new Set(metas.map((m) => String(m.node ?? "")))].sort(),
      }))
    : [];
  people.sort((a, b) => a.user.localeCompare(b.user));
  ui.presence.replaceChildren(
    ...people.map(({user, conns, nodes}) => {
      const li = document.createElement("li");
      li.dataset.testid = "presence-user";
      li.dataset.user = user;
      const name = document.createElement("span");
      name.className = "user";
      name.textContent = user;
      const where = document.createElement("span");
      where.className = "node";
      where.textContent = conns > 1 ? `${nodes.join(", ")} (${conns} tabs)` :
        nodes.join(", ");
      li.append(name, where);
      return li;
    }));
  ui.presenceCount.textContent = String(people.length);
}

// ------------------------------------------------------------------- start

// A room in the address (#lobby) or the last one, once a nickname exists.
const wanted = decodeURIComponent(location.hash.slice(1)) ||
  localStorage.getItem(ROOM_KEY) || "lobby";
ui.roomName.value = ROOM_RE.test(wanted) ? wanted : "lobby";
if (nickname() && ROOM_RE.test(wanted)) joinRoom(wanted);
