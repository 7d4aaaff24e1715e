// The official phoenix JS client (npm `phoenix`, `ws` as its transport)
// against a two-node cafe-chat cluster: HTTP endpoints, join, push/reply,
// broadcast across nodes, history, presence state and diff through the
// client's own Presence class, heartbeats, and a server restart the client
// rides out by reconnecting and rejoining.
import test from "node:test";
import assert from "node:assert/strict";
import * as h from "./harness.mjs";

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;

function assertMessage(m, {user, body, node}) {
  assert.deepEqual(Object.keys(m).sort(), ["at", "body", "id", "node", "user"]);
  assert.equal(m.user, user);
  assert.equal(m.body, body);
  assert.equal(m.node, node);
  assert.match(m.at, ISO_UTC);
  assert.ok(typeof m.id === "string" && m.id.length > 0, `id ${m.id}`);
}

test("the official phoenix client against a 2-node cafe-chat", {timeout: 240000}, async (t0) => {
  let nodes = [];
  // Subtests in order; a failing one keeps the logs and work files.
  const t = h.loggedSubtests(t0, () => nodes);
  const open = [];
  const client = async (node, opts) => {
    const c = await h.connectClient(node, opts);
    open.push(c);
    return c;
  };
  try {
    nodes = await h.startCluster(2, {history: 50});
    const [n1, n2] = nodes;

    await t.test("HTTP: healthz, readyz, metrics, rooms, the page, x-served-by", async () => {
      for (const n of nodes) {
        const r = await n.get("/healthz");
        assert.equal(r.status, 200);
        assert.equal((await r.text()).trim(), "ok");
        assert.equal(r.headers.get("x-served-by"), n.name);
        const ready = await n.get("/readyz");
        await ready.text();
        assert.equal(ready.status, 200);
        assert.equal(ready.headers.get("x-served-by"), n.name);
        const m = await n.get("/metrics");
        const text = await m.text();
        assert.equal(m.status, 200);
        assert.match(m.headers.get("content-type") || "", /^text\/plain/);
        assert.match(text, /^# TYPE \S+ (counter|gauge)$/m);
        assert.equal(m.headers.get("x-served-by"), n.name);
        const page = await n.get("/");
        const html = await page.text();
        assert.equal(page.status, 200);
        assert.match(page.headers.get("content-type") || "", /^text\/html/);
        assert.match(html, /<script type="module" src="\/chat.js">/);
        const mjs = await n.get("/phoenix.mjs");
        const js = await mjs.text();
        assert.equal(mjs.status, 200);
        assert.match(mjs.headers.get("content-type") || "", /javascript/);
        assert.match(js, /export\s*\{/);
        const nf = await n.get("/no-such-file");
        await nf.text();
        assert.equal(nf.status, 404);
        assert.equal(nf.headers.get("x-served-by"), n.name);
      }
    });

    let ann, bob;
    await t.test("join: ok with history and the serving node; bad joins refused", async () => {
      ann = await client(n1, {room: "lobby", user: "ann"});
      assert.equal(ann.reply.node, n1.name);
      assert.ok(Array.isArray(ann.reply.history));
      bob = await client(n2, {room: "lobby", user: "  bob  "});
      assert.equal(bob.reply.node, n2.name);
      for (const [room, user] of [["lobby", "<script>"], ["lobby", ""],
                                  ["lobby", "x".repeat(25)], ["lobby", "   "]]) {
        await assert.rejects(h.connectClient(n1, {room, user}),
          (e) => typeof e.response?.reason === "string",
          `join as ${JSON.stringify(user)} must be refused with a reason`);
      }
      await assert.rejects(h.connectClient(n1, {room: "bad room!", user: "ann"}),
        (e) => typeof e.response?.reason === "string");
      await assert.rejects(h.connectClient(n1, {room: "r".repeat(33), user: "ann"}),
        (e) => typeof e.response?.reason === "string");
      // /api/rooms counts the members cluster-wide.
      await h.waitFor(async () => {
        const r = await n1.get("/api/rooms");
        const j = await r.json();
        const lobby = j.rooms.find((x) => x.name === "lobby");
        return r.headers.get("x-served-by") === n1.name && j.node === n1.name &&
          lobby && lobby.members === 2;
      }, {what: "/api/rooms to list lobby with 2 members"});
    });

    await t.test("push/reply and broadcast across the two nodes, in order", async () => {
      const r = await ann.push("new_msg", {body: "hello from ann"});
      assert.equal(r.status, "ok", JSON.stringify(r));
      const id = r.response.id;
      for (const c of [ann, bob]) {
        const m = await c.inbox.next((x) => x.body === "hello from ann");
        assertMessage(m, {user: "ann", body: "hello from ann", node: n1.name});
        assert.equal(m.id, id);
      }
      // The nickname is trimmed.
      const rb = await bob.push("new_msg", {body: "hi ann"});
      assert.equal(rb.status, "ok");
      const mb = await ann.inbox.next((x) => x.body === "hi ann");
      assertMessage(mb, {user: "bob", body: "hi ann", node: n2.name});
      // Five in a row from one client arrive in order on the other node.
      for (let i = 0; i < 5; ++i) {
        const ri = await ann.push("new_msg", {body: `seq ${i}`});
        assert.equal(ri.status, "ok");
      }
      for (let i = 0; i < 5; ++i) {
        const m = await bob.inbox.next((x) => x.body.startsWith("seq "));
        assert.equal(m.body, `seq ${i}`);
      }
    });

    await t.test("push errors: empty, too long, rate limited", async () => {
      for (const body of ["", "   "]) {
        const r = await ann.push("new_msg", {body});
        assert.deepEqual(r, {status: "error", response: {reason: "empty"}});
      }
      const long = await ann.push("new_msg", {body: "x".repeat(60000)});
      assert.deepEqual(long, {status: "error", response: {reason: "too long"}});
      // A burst in a room of its own: some are refused as rate limited,
      // every other one is accepted.
      const flood = await client(n1, {room: "flood", user: "flooder"});
      const replies = await Promise.all(Array.from({length: 200}, (_, i) =>
        flood.push("new_msg", {body: `burst ${i}`})));
      const statuses = replies.map((x) =>
        x.status === "ok" ? "ok" : `${x.status}:${x.response?.reason}`);
      const limited = statuses.filter((s) => s === "error:rate limited").length;
      const ok = statuses.filter((s) => s === "ok").length;
      assert.equal(ok + limited, 200, `unexpected replies: ${statuses}`);
      assert.ok(limited > 0, "200 pushes at once were all accepted");
      assert.ok(ok > 0, "every push of the burst was refused");
      // Only the accepted ones were broadcast.
      for (let i = 0; i < ok; ++i)
        await flood.inbox.next((x) => x.body.startsWith("burst "));
      // the connection still works after the refusals
      const again = await client(n2, {room: "flood", user: "other"});
      assert.equal(again.reply.history.length, Math.min(ok, 50));
    });

    await t.test("history: a client joining later, on the other node, sees it", async () => {
      const carol = await client(n2, {room: "lobby", user: "carol"});
      const bodies = carol.reply.history.map((m) => m.body);
      assert.deepEqual(bodies, ["hello from ann", "hi ann", "seq 0", "seq 1",
                                "seq 2", "seq 3", "seq 4"]);
      assertMessage(carol.reply.history[0],
                    {user: "ann", body: "hello from ann", node: n1.name});
      assertMessage(carol.reply.history[1], {user: "bob", body: "hi ann", node: n2.name});
      const ats = carol.reply.history.map((m) => m.at);
      assert.deepEqual([...ats].sort(), ats, "history in time order");
      await carol.close();
    });

    await t.test("presence: state on join, diffs on join and leave, across nodes", async () => {
      const p1 = await client(n1, {room: "pres", user: "pam"});
      // presence_state comes after every join, first of the presence events.
      await p1.presenceEvents.next((e) => e.event === "state", 10000, "presence_state");
      await h.waitFor(() => p1.users().join() === "pam", {what: "pam sees herself"});
      const q = await client(n2, {room: "pres", user: "quinn"});
      await h.waitFor(() => p1.users().join() === "pam,quinn",
                      {what: "pam to see quinn (other node)"});
      await h.waitFor(() => q.users().join() === "pam,quinn",
                      {what: "quinn to see pam"});
      const metas = p1.presence.list((k, v) => [k, v.metas]);
      const quinnMetas = metas.find(([k]) => k === "quinn")[1];
      assert.equal(quinnMetas.length, 1);
      assert.equal(quinnMetas[0].node, n2.name);
      assert.equal(typeof quinnMetas[0].phx_ref, "string");
      assert.ok(quinnMetas[0].phx_ref.length > 0);
      assert.ok(quinnMetas[0].online_at !== undefined, "online_at");
      // One meta per connection: a second quinn on node 1.
      const q2 = await client(n1, {room: "pres", user: "quinn"});
      await h.waitFor(() => {
        const m = p1.presence.list((k, v) => [k, v.metas]).find(([k]) => k === "quinn");
        return m && m[1].length === 2 &&
          new Set(m[1].map((x) => x.phx_ref)).size === 2 &&
          m[1].map((x) => x.node).sort().join() === [n1.name, n2.name].sort().join();
      }, {what: "two metas for quinn, one per node"});
      // A diff carries the leave: the JS class's onLeave fires for it.
      const left = [];
      p1.presence.onLeave((key, current, leftPres) => left.push([key, leftPres.metas.length]));
      await q.close();
      await h.waitFor(() => {
        const m = p1.presence.list((k, v) => [k, v.metas]).find(([k]) => k === "quinn");
        return m && m[1].length === 1 && m[1][0].node === n1.name;
      }, {what: "quinn's node-2 meta to leave"});
      assert.deepEqual(left, [["quinn", 1]]);
      const diff = await p1.presenceEvents.next(
        (e) => e.event === "diff" && e.p.leaves && e.p.leaves.quinn);
      assert.deepEqual(Object.keys(diff.p).sort(), ["joins", "leaves"]);
      await q2.close();
      await h.waitFor(() => p1.users().join() === "pam", {what: "quinn gone"});
      // A client leaving the channel (not the socket) leaves presence too.
      const r = await client(n2, {room: "pres", user: "rita"});
      await h.waitFor(() => p1.users().join() === "pam,rita", {what: "rita"});
      r.channel.leave();
      await h.waitFor(() => p1.users().join() === "pam", {what: "rita to leave"});
    });

    await t.test("heartbeats keep the socket alive (several cycles, no reconnect)", async () => {
      const hb = await client(n1, {room: "hb", user: "hb",
                                   socketOpts: {heartbeatIntervalMs: 100}});
      let replies = 0;
      hb.socket.onMessage((m) => {
        if (m.topic === "phoenix" && m.event === "phx_reply" &&
            m.payload.status === "ok") replies += 1;
      });
      await h.waitFor(() => replies >= 10, {timeout: 15000,
                                            what: "10 heartbeat replies"});
      assert.deepEqual(hb.socket.stats, {opens: 1, closes: 0, errors: 0});
      const r = await hb.push("new_msg", {body: "still here"});
      assert.equal(r.status, "ok");
      assert.equal(hb.joins, 1);
      // socket.ping is the same heartbeat with a round trip time.
      const rtt = await new Promise((resolve) => hb.socket.ping(resolve));
      assert.ok(rtt >= 0 && rtt < 5000, `ping ${rtt}`);
    });

    await t.test("server restart: the client reconnects, rejoins, sees history", async () => {
      const dan = await client(n2, {room: "restart", user: "dan"});
      await dan.joinReplies.next(); // the first join's
      const closes = [];
      dan.socket.onClose((e) => closes.push(e.code));
      const ed = await client(n1, {room: "restart", user: "ed"});
      const r0 = await dan.push("new_msg", {body: "before restart"});
      assert.equal(r0.status, "ok");
      await ed.inbox.next((m) => m.body === "before restart");
      // A graceful stop: clients are told 1001 (going away) and reconnect.
      const exit = await n2.kill("SIGTERM");
      assert.equal(exit.code, 0, `exit ${JSON.stringify(exit)}`);
      await h.waitFor(() => closes.length > 0, {what: "dan's socket to close"});
      // (later closes are refused reconnects while the node is down)
      assert.equal(closes[0], 1001, `close codes ${closes}`);
      await n2.start();
      await h.waitClustered(nodes);
      const again = await dan.joinReplies.next(() => true, 30000, "the rejoin reply");
      assert.equal(again.node, n2.name);
      assert.ok(dan.socket.stats.opens >= 2);
      // The client may rejoin before the node has synced with the cluster
      // (its /readyz says when); a join once it is ready gets the history
      // from the surviving node.
      const fresh = await client(n2, {room: "restart", user: "fay"});
      assert.deepEqual(fresh.reply.history.map((m) => m.body), ["before restart"]);
      // presence_state again for the new join_ref, and both are present.
      await h.waitFor(() => dan.users().join() === "dan,ed,fay", {timeout: 15000,
                                                              what: "dan's presence after rejoin"});
      const r1 = await dan.push("new_msg", {body: "after restart"});
      assert.equal(r1.status, "ok");
      await ed.inbox.next((m) => m.body === "after restart");
    });
  } catch (e) {
    h.dumpLogs(nodes);
    throw e;
  } finally {
    for (const c of open) c.socket.disconnect();
    await Promise.all(nodes.map((n) => n.kill()));
  }
});
