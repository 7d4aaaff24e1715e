// cafe-chat's limits, from raw WebSocket/TCP clients and the official
// client: oversized frames, invalid JSON, invalid UTF-8, binary frames,
// HTML in nicknames and text, bad Origin and vsn, a client that never
// reads, and 1,000 connections opened and dropped at once. After each, the
// node still serves everyone else.
import test from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import * as h from "./harness.mjs";

/** A raw client joined to room:<room> as <user>; resolves with the raw socket. */
async function rawJoined(node, room, user) {
  const c = await h.rawSocket(node);
  assert.ok(c.ws, `upgrade refused: ${JSON.stringify(c)}`);
  c.ws.send(JSON.stringify(["1", "1", `room:${room}`, "phx_join", {user}]));
  const r = await c.messages.next((m) => m[3] === "phx_reply" && m[1] === "1");
  assert.equal(r[4].status, "ok", JSON.stringify(r));
  return c;
}

/** The node still answers: /healthz and a push between two fresh clients. */
async function stillServes(node, tag) {
  const r = await node.get("/healthz");
  assert.equal(r.status, 200);
  await r.text();
  const a = await h.connectClient(node, {room: "alive", user: `a${tag}`});
  const b = await h.connectClient(node, {room: "alive", user: `b${tag}`});
  try {
    const body = `alive ${tag}`;
    assert.equal((await a.push("new_msg", {body})).status, "ok");
    await b.inbox.next((m) => m.body === body);
  } finally {
    await a.close();
    await b.close();
  }
}

test("cafe-chat's limits", {timeout: 300000}, async (t0) => {
  let nodes = [];
  const t = h.loggedSubtests(t0, () => nodes);
  try {
    // One node with the default origin rule, one with an allow-list.
    nodes = await h.startCluster(1);
    const [n] = nodes;
    const [g] = await h.startCluster(1, {alive: () => "chatgood",
                                         allowedOrigins: ["http://good.example"]});
    nodes.push(g);
    const witness = await h.connectClient(n, {room: "lobby", user: "witness"});

    await t.test("an oversized frame closes that connection with 1009", async () => {
      const c = await rawJoined(n, "lobby", "big");
      c.ws.send(JSON.stringify(["1", "2", "room:lobby", "new_msg",
                                {body: "x".repeat(100 * 1024)}]));
      const closed = await h.withTimeout(c.closed, 10000, "close after a big frame");
      assert.equal(closed.code, 1009);
      await stillServes(n, "big");
    });

    await t.test("invalid JSON and non-frames close with 1007", async () => {
      for (const bad of ['{"oops', "[1,2,3]", '["1","1","room:lobby","phx_join"]',
                         "null", '{"topic":"room:lobby"}']) {
        const c = await h.rawSocket(n);
        c.ws.send(bad);
        const closed = await h.withTimeout(c.closed, 10000, `close after ${bad}`);
        assert.equal(closed.code, 1007, `after ${bad}: ${JSON.stringify(closed)}`);
      }
      await stillServes(n, "json");
    });

    await t.test("invalid UTF-8 in a text frame closes with 1007", async () => {
      const c = await rawJoined(n, "lobby", "utf");
      // ["1","2","room:lobby","new_msg",{"body":"<ff fe>"}] with raw bytes
      const head = Buffer.from('["1","2","room:lobby","new_msg",{"body":"');
      const tail = Buffer.from('"}]');
      c.ws.send(Buffer.concat([head, Buffer.from([0xff, 0xfe, 0xc3]), tail]),
                {binary: false});
      const closed = await h.withTimeout(c.closed, 10000, "close after bad UTF-8");
      assert.equal(closed.code, 1007);
      // and nothing of it reached the room
      const r = await witness.push("new_msg", {body: "after utf8"});
      assert.equal(r.status, "ok");
      const next = await witness.inbox.next();
      assert.equal(next.body, "after utf8");
      await stillServes(n, "utf");
    });

    await t.test("a binary frame closes with 1003", async () => {
      const c = await h.rawSocket(n);
      c.ws.send(Buffer.from([0, 1, 1, 10, 7, 0x31, 0x31]), {binary: true});
      const closed = await h.withTimeout(c.closed, 10000, "close after binary");
      assert.equal(closed.code, 1003);
    });

    await t.test("<script> in a nickname is refused; in text it comes back verbatim", async () => {
      for (const user of ["<script>alert(1)</script>", "<b>", "a&b", "\"q\""]) {
        await assert.rejects(h.connectClient(n, {room: "lobby", user}),
          (e) => typeof e.response?.reason === "string", `nickname ${user}`);
      }
      const body = `<script>alert("x")</script> <img src=x onerror=alert(1)> & &amp; "'` +
                   " \u00e9\u4e2d\ud83d\ude00 \\ \n\t end";
      const r = await witness.push("new_msg", {body});
      assert.equal(r.status, "ok");
      const m = await witness.inbox.next((x) => x.id === r.response.id);
      assert.equal(m.body, body);
      // On the wire too: a raw client gets JSON whose string is the text.
      const raw = await rawJoined(n, "lobby", "rawreader");
      const r2 = await witness.push("new_msg", {body: "<script>2</script>"});
      assert.equal(r2.status, "ok");
      const f = await raw.messages.next((x) => x[3] === "new_msg" && x[4].id === r2.response.id);
      assert.deepEqual([f[0], f[1], f[2]], [null, null, "room:lobby"]);
      assert.equal(f[4].body, "<script>2</script>");
      raw.ws.close();
    });

    await t.test("Origin: same host and allow-listed origins upgrade, others get 403", async () => {
      const same = await h.rawSocket(n, {origin: n.url});
      assert.ok(same.ws, `same-host origin refused: ${JSON.stringify(same.status)}`);
      same.ws.close();
      const noOrigin = await h.rawSocket(n);
      assert.ok(noOrigin.ws, "a request without Origin (not a browser) is allowed");
      noOrigin.ws.close();
      // Same host means the host, as Phoenix's check_origin compares it
      // (scheme and port aside).
      for (const origin of ["http://evil.example", `http://${n.host}.evil.example`,
                            "http://127.0.0.254", "null"]) {
        const bad = await h.rawSocket(n, {origin});
        assert.equal(bad.status, 403, `origin ${origin}`);
        assert.equal(bad.headers["x-served-by"], n.name);
      }
      const good = await h.rawSocket(g, {origin: "http://good.example"});
      assert.ok(good.ws, "an allow-listed origin must upgrade");
      good.ws.close();
      const evil = await h.rawSocket(g, {origin: "http://evil.example"});
      assert.equal(evil.status, 403);
      // vsn other than 2.0.0 (1.0.0 too, if V1 is not served) is refused
      // before the upgrade, like Phoenix.
      const v3 = await h.rawSocket(n, {query: "vsn=3.0.0"});
      assert.equal(v3.status, 403);
    });

    await t.test("a client that never reads is dropped; memory stays bounded", async () => {
      // room:big's history: 50 messages of 1,990 bytes (5 senders, 10
      // each: within the rate limit's burst).
      const fillers = await Promise.all(Array.from({length: 5}, (_, i) =>
        h.connectClient(n, {room: "big", user: `filler${i}`})));
      const fill = await Promise.all(fillers.flatMap((c, i) => Array.from({length: 10},
        (_, k) => c.push("new_msg", {body: `${i}/${k} `.padEnd(1990, "x")}))));
      assert.ok(fill.every((r) => r.status === "ok"), JSON.stringify(fill.filter((r) => r.status !== "ok")));
      for (const c of fillers) await c.close();
      const rss0 = n.rssKiB();
      const dropped0 = (await n.metrics()).get("cafe_chat_slow_clients_dropped_total");
      // A raw TCP client: upgrade, join, then it stops reading while it
      // keeps asking (joins of a room with a long history).
      const sock = net.connect(n.port, n.host);
      await new Promise((r, j) => { sock.once("connect", r); sock.once("error", j); });
      sock.write(`GET /socket/websocket?vsn=2.0.0 HTTP/1.1\r\nHost: ${n.host}:${n.port}\r\n` +
                 "Upgrade: websocket\r\nConnection: Upgrade\r\n" +
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" +
                 "Sec-WebSocket-Version: 13\r\n\r\n");
      const head = await new Promise((resolve) => {
        let buf = "";
        const on = (d) => {
          buf += d.toString("latin1");
          if (buf.includes("\r\n\r\n")) { sock.off("data", on); resolve(buf); }
        };
        sock.on("data", on);
      });
      assert.match(head, /^HTTP\/1.1 101/);
      sock.pause(); // never reads again
      let gone = false;
      sock.on("close", () => { gone = true; });
      sock.on("error", () => { gone = true; });
      const frame = (text) => { // a masked client text frame
        const p = Buffer.from(text);
        const hdr = p.length < 126 ? Buffer.from([0x81, 0x80 | p.length])
          : Buffer.from([0x81, 0x80 | 126, p.length >> 8, p.length & 255]);
        return Buffer.concat([hdr, Buffer.alloc(4), p]); // zero mask
      };
      sock.write(frame(JSON.stringify(["1", "1", "room:lobby", "phx_join", {user: "sloth"}])));
      // A reading client asks for the same, at the same pace: it must keep
      // up, so the drop is about not reading, not about the requests.
      const control = await h.rawSocket(n);
      let controlReplies = 0;
      control.ws.on("message", (d) => {
        const f = JSON.parse(d.toString());
        if (f[3] === "phx_reply" && f[4].status === "ok" && String(f[1]).startsWith("j"))
          controlReplies += 1;
      });
      // Each join of room:big is answered with its history, 50 messages of
      // ~2 KB: ~100 KB a request.
      const rejoin = (k) => JSON.stringify([`j${k}`, `j${k}`, "room:big", "phx_join", {user: "joiner"}]);
      let sent = 0;
      const t0 = Date.now();
      // Two joins every 20 ms from each until the non-reader is gone (its
      // writes fail once the server closed it); at most 1 MB waits in this
      // process.
      const pacer = setInterval(() => {
        if (gone) return;
        for (let i = 0; i < 2; ++i, ++sent) {
          if (sock.writableLength < (1 << 20)) sock.write(frame(rejoin(sent)));
          control.ws.send(rejoin(sent));
        }
      }, 20);
      let droppedAt, m1;
      try {
        // Counted as too slow ...
        await h.waitFor(async () =>
          (await n.metrics()).get("cafe_chat_slow_clients_dropped_total") > dropped0,
        {timeout: 30000, interval: 100, what: "cafe_chat_slow_clients_dropped_total to count it"});
        droppedAt = Date.now() - t0;
        m1 = await n.metrics();
        // ... and disconnected: the server neither waits for a close
        // handshake the client cannot read nor keeps serving its frames.
        await h.waitFor(() => gone, {timeout: 20000, interval: 20,
                                     what: "the dropped client's connection to close"});
      } catch (e) {
        const m2 = await n.metrics();
        const k = ["cafe_chat_clients", "cafe_chat_frames_in_total", "cafe_chat_joins_total"];
        e.message += ` (dropped after ${droppedAt} ms; then -> now: ` +
          k.map((x) => `${x} ${m1?.get(x)} -> ${m2.get(x)}`).join(", ") + ")";
        throw e;
      } finally {
        clearInterval(pacer);
      }
      console.log(`non-reader dropped after ${droppedAt} ms, gone after ` +
                  `${Date.now() - t0} ms and ${sent} joins`);
      await h.waitFor(() => controlReplies === sent,
                      {what: `the reader's ${sent} join replies (has ${controlReplies})`});
      assert.equal(await Promise.race([control.closed, h.sleep(0).then(() => "open")]), "open");
      control.ws.close();
      sock.destroy();
      // Its presence is gone and the others never stopped.
      await h.waitFor(() => !witness.users().includes("sloth"),
                      {what: "sloth to leave lobby's presence"});
      const m = await n.metrics();
      const dropped = m.get("cafe_chat_slow_clients_dropped_total");
      assert.equal(dropped - dropped0, 1, "exactly one client dropped as slow");
      const rss1 = n.rssKiB();
      assert.ok(rss1 - rss0 < 64 * 1024, `RSS grew ${rss1 - rss0} KiB`);
      await stillServes(n, "slow");
    });

    await t.test("1,000 connections opened and dropped at once", async () => {
      const rss0 = n.rssKiB();
      const conns = await Promise.all(Array.from({length: 1000}, async (_, i) => {
        const c = await h.rawSocket(n);
        assert.ok(c.ws, `upgrade ${i} refused: ${JSON.stringify(c.status)}`);
        return c;
      }));
      // Each joins one of 20 rooms (50 members each).
      for (const [i, c] of conns.entries())
        c.ws.send(JSON.stringify(["1", "1", `room:crowd${i % 20}`, "phx_join", {user: `u${i}`}]));
      await Promise.all(conns.map((c) => c.messages.next(
        (m) => m[3] === "phx_reply" && m[1] === "1", 60000, "a crowd join reply").then(
        (r) => assert.equal(r[4].status, "ok"))));
      // The counts are presence's, which follows the joins by a flush.
      const crowd = async () => (await (await n.get("/api/rooms")).json()).rooms
        .filter((x) => x.name.startsWith("crowd"));
      let rooms = [];
      await h.waitFor(async () => {
        rooms = await crowd();
        return rooms.length === 20 && rooms.every((x) => x.members >= 50);
      }, {timeout: 30000, what: "20 crowd rooms of 50 members"}).catch((e) => {
        e.message += `: ${JSON.stringify(rooms)}`;
        throw e;
      });
      assert.ok(rooms.every((x) => x.members === 50), JSON.stringify(rooms));
      const rssOpen = n.rssKiB();
      // Dropped at once, without close frames.
      for (const c of conns) c.ws.terminate();
      await h.waitFor(async () => (await crowd()).every((x) => x.members === 0),
                      {timeout: 30000, what: "every crowd room to be empty"});
      // The witness and the other node's clients stay; the crowd's
      // connections are all closed.
      let open;
      await h.waitFor(async () => {
        open = (await n.metrics()).get("cafe_chat_clients");
        return open !== undefined && open <= 5;
      }, {timeout: 30000, what: "cafe_chat_clients to fall back"}).catch((e) => {
        e.message += ` (is ${open})`;
        throw e;
      });
      console.log(`RSS KiB: before ${rss0}, with 1,000 open ${rssOpen}, after ${n.rssKiB()}`);
      await stillServes(n, "crowd");
    });

    await witness.close();
  } catch (e) {
    h.dumpLogs(nodes);
    throw e;
  } finally {
    await Promise.all(nodes.map((x) => x.kill()));
  }
});
