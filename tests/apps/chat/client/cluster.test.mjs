// How cafe-chat nodes share rooms over time, and what they never send:
// a node started after messages were posted has the room's history; a node
// restarted while its clients reconnect answers their rejoin with the
// history once it is back in the cluster; an Elixir node that runs
// Phoenix.PubSub but not Phoenix channels (no Phoenix.Channel.Server)
// never gets a room broadcast, which its pubsub worker would crash on.
import test from "node:test";
import assert from "node:assert/strict";
import * as h from "./harness.mjs";
import * as p from "./peers.mjs";

test("history reaches a node started later", {timeout: 120000}, async () => {
  const [n1] = await h.startCluster(1);
  const n2 = new h.ChatNode({alive: "chat2", host: h.nextAddress(),
                             cookie: n1.cookie, distPort: n1.distPort});
  try {
    const ann = await h.connectClient(n1, {room: "later", user: "ann"});
    for (const body of ["one", "two", "three"])
      await ann.push("new_msg", {body});
    n2.peers = [n1.name];
    await n2.start();
    await h.waitClustered([n1, n2]);
    const bob = await h.connectClient(n2, {room: "later", user: "bob"});
    assert.deepEqual(bob.reply.history.map((m) => m.body), ["one", "two", "three"]);
    assert.equal(bob.reply.node, n2.name);
    assert.ok(bob.reply.history.every((m) => m.node === n1.name && m.user === "ann"));
    ann.close();
    bob.close();
  } catch (e) {
    h.dumpLogs([n1, n2]);
    throw e;
  } finally {
    h.disconnectAll();
    await n2.kill();
    await n1.kill();
  }
});

test("a restarted node answers a rejoin with the history", {timeout: 120000}, async () => {
  const [n1, n2] = await h.startCluster(2);
  try {
    const ann = await h.connectClient(n1, {room: "again", user: "ann"});
    await ann.push("new_msg", {body: "before the restart"});
    await n2.kill("SIGTERM");
    // The client's reconnect races the cluster forming again: the node
    // holds new rooms' joins until its first peer's history is in.
    const restart = n2.start();
    await restart;
    const bob = await h.connectClient(n2, {room: "again", user: "bob"});
    assert.deepEqual(bob.reply.history.map((m) => m.body), ["before the restart"]);
    ann.close();
    bob.close();
  } catch (e) {
    h.dumpLogs([n1, n2]);
    throw e;
  } finally {
    h.disconnectAll();
    await n2.kill();
    await n1.kill();
  }
});

test("a PubSub-only Elixir node never gets room broadcasts", {timeout: 180000}, async () => {
  h.requireProgram("elixir", "elixir");
  const [n1, n2] = await h.startCluster(2);
  let peer;
  try {
    peer = await p.startElixirPeer({host: h.nextAddress(), distPort: n1.distPort,
                                    cookie: n1.cookie, alive: "plain",
                                    channels: false});
    assert.equal(await peer.eval(`Code.ensure_loaded?(Phoenix.Channel.Server)`), "false");
    assert.equal(await peer.eval(`Node.connect(:"${n1.name}")`), "true");
    assert.equal(await peer.eval(`Node.connect(:"${n2.name}")`), "true");
    // Both nodes' pubsub workers are in the adapter group the peer sees.
    assert.equal(await peer.eval(`PhxPeer.wait_member_nodes(Chat.PubSub.Adapter, ` +
      `[:"${n1.name}", :"${n2.name}", node()], 15000)`), ":ok");
    const workers = await peer.eval("PhxPeer.workers()");
    await peer.eval(`PhxPeer.start_subscriber(:spy, ["room:lobby", "cafe_chat:sync"])`);
    const ann = await h.connectClient(n1, {room: "lobby", user: "ann"});
    const bob = await h.connectClient(n2, {room: "lobby", user: "bob"});
    // cafe-chat has asked the peer by now (it does on nodeup): wait for
    // its answer to be in, shown by the heartbeats the peer already gets.
    assert.equal(await peer.eval(`PhxPeer.eventually(fn -> Enum.any?(PhxPeer.messages(:spy), ` +
      `&match?({:cafe_chat, :heartbeat, _, _, _, _}, &1)) end, 15000)`), ":ok");
    await peer.eval("PhxPeer.drain(:spy)");
    await ann.push("new_msg", {body: "not for plain nodes"});
    // The positive control: the other cafe-chat node got it.
    await bob.inbox.next((m) => m.body === "not for plain nodes", 10000, "bob's copy");
    // Heartbeats from n1 sent after the post are the marker: by the second
    // one, a broadcast sent before it would have arrived first.
    assert.equal(await peer.eval(`PhxPeer.eventually(fn -> Enum.count(PhxPeer.messages(:spy), ` +
      `&match?({:cafe_chat, :heartbeat, :"${n1.name}", _, _, _}, &1)) >= 2 end, 15000)`), ":ok");
    const got = await peer.eval("PhxPeer.messages(:spy) |> Enum.reject(" +
      "&match?({:cafe_chat, :heartbeat, _, _, _, _}, &1))");
    assert.equal(got, "[]");
    assert.equal(await peer.eval("PhxPeer.workers()"), workers, "the pubsub worker restarted");
    ann.close();
    bob.close();
  } catch (e) {
    h.dumpLogs([n1, n2]);
    throw e;
  } finally {
    h.disconnectAll();
    if (peer) await peer.stop();
    await n2.kill();
    await n1.kill();
  }
});
