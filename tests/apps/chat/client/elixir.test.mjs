// An Elixir node in the chat cluster, running the Phoenix.PubSub and
// Phoenix.Channel.Server test doubles (tests/support/phoenix_pubsub):
// subscribed to room:lobby it receives what browser and Node clients post
// as %Phoenix.Socket.Broadcast{} terms, once each; what it broadcasts the
// way a Phoenix endpoint does reaches the browser and the Node client; its
// pubsub worker never crashes on what cafe sends.
import test from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import * as h from "./harness.mjs";
import * as p from "./peers.mjs";

const T = 15000;

test("an Elixir peer shares room:lobby with browsers and clients", {timeout: 240000}, async (t0) => {
  let nodes = [];
  let peer;
  let browser;
  const t = h.loggedSubtests(t0, () => nodes);
  try {
    h.requireProgram("elixir", "elixir");
    h.requireProgram(p.CHROMIUM, "chromium");
    nodes = await h.startCluster(2);
    const [n1, n2] = nodes;
    peer = await p.startElixirPeer({host: h.nextAddress(), distPort: n1.distPort,
                                    cookie: n1.cookie, alive: "ex"});
    const A = "Chat.PubSub.Adapter";
    const atom = (s) => `:"${s}"`;
    const expect = async (expr, want, timeout) => {
      const got = await peer.eval(`(fn -> g = (${expr}); w = (${want}); if g === w, do: :match, else: {:mismatch, g, w} end).()`, timeout);
      assert.equal(got, ":match", `on the peer: ${expr}`);
    };

    await t.test("the peer joins the cluster and the pubsub's pg group", async () => {
      await expect(`Node.connect(${atom(n1.name)})`, "true");
      await expect(`Node.connect(${atom(n2.name)})`, "true");
      await expect(`PhxPeer.wait_member_nodes(${A}, Enum.sort([${atom(n1.name)}, ${atom(n2.name)}, node()]), 20_000)`,
                   ":ok", 30000);
      await peer.eval(`worker = Process.whereis(${A}); PhxPeer.start_subscriber(:lobby, ["room:lobby"])`);
      // A channel process as Phoenix subscribes it (fastlane metadata naming
      // its transport :tp): with dispatcher Phoenix.Channel.Server the
      // transport gets the encoded frame and the channel nothing; with the
      // default dispatcher the channel would get the struct.
      await peer.eval(`PhxPeer.start_collector(:tp); PhxPeer.start_subscriber(:chan, ["room:lobby"], metadata: {:fastlane, Process.whereis(:tp), PhxPeer.TermSerializer, []})`);
    });

    let alice, context, bob;
    await t.test("browser and client messages arrive as %Phoenix.Socket.Broadcast{}, once each", async () => {
      browser = await p.launchChromium();
      context = await browser.newContext();
      alice = await context.newPage();
      await alice.goto(n1.url);
      await alice.getByTestId("nick").fill("alice");
      await alice.getByTestId("room-name").fill("lobby");
      await alice.getByTestId("room-join").click();
      await alice.locator("#room-state[data-state=joined]").waitFor({timeout: T});
      bob = await h.connectClient(n2, {room: "lobby", user: "bob"});
      const fromAlice = [];
      for (const body of ["hello elixir", "from the browser"]) {
        await alice.getByTestId("body").fill(body);
        await alice.getByTestId("send").click();
        fromAlice.push(await bob.inbox.next((m) => m.body === body));
      }
      const r = await bob.push("new_msg", {body: "from node"});
      assert.equal(r.status, "ok");
      const fromBob = await bob.inbox.next((m) => m.body === "from node");
      // Exactly the payloads the clients got, binary keys; alice's two
      // (through node 1) in order.
      const ex = (m) => `%Phoenix.Socket.Broadcast{topic: "room:lobby", event: "new_msg", ` +
        `payload: %{"id" => ${JSON.stringify(m.id)}, "user" => ${JSON.stringify(m.user)}, ` +
        `"body" => ${JSON.stringify(m.body)}, "at" => ${JSON.stringify(m.at)}, ` +
        `"node" => ${JSON.stringify(m.node)}}}`;
      assert.equal(await peer.eval("{:ok, l} = PhxPeer.take(:lobby, 3, 10_000); length(l)"), "3");
      await expect(`Enum.filter(l, &(&1.payload["user"] == "alice"))`,
                   `[${fromAlice.map(ex).join(", ")}]`);
      await expect(`Enum.filter(l, &(&1.payload["user"] == "bob"))`, `[${ex(fromBob)}]`);
      // Dispatched by Phoenix.Channel.Server: the fastlane frames, the same
      // three payloads; the channel stand-in got nothing.
      await expect(`with {:ok, f} <- PhxPeer.take(:tp, 3, 10_000), do: Enum.map(f, fn {:socket_push, :term, {PhxPeer.TermSerializer, _, [nil, nil, t, e, p]}} -> %Phoenix.Socket.Broadcast{topic: t, event: e, payload: p} end) |> Enum.sort()`,
                   "Enum.sort(l)");
      await expect("PhxPeer.messages(:chan)", "[]");
      // Nothing more (no duplicates): a marker from each node comes next.
      for (const [c, body] of [[bob, "marker 2"]]) {
        assert.equal((await c.push("new_msg", {body})).status, "ok");
      }
      await alice.getByTestId("body").fill("marker 1");
      await alice.getByTestId("send").click();
      await expect(`with {:ok, l} <- PhxPeer.take(:lobby, 2, 10_000), do: Enum.sort(Enum.map(l, & &1.payload["body"]))`,
                   `["marker 1", "marker 2"]`);
      await expect("PhxPeer.messages(:lobby)", "[]");
      await expect("with {:ok, f} <- PhxPeer.take(:tp, 2, 10_000), do: length(f)", "2");
      await expect("{PhxPeer.messages(:tp), PhxPeer.messages(:chan)}", "{[], []}");
    });

    await t.test("an Endpoint.broadcast from Elixir reaches the browser and the client", async () => {
      const at = new Date().toISOString();
      await expect(`PhxPeer.Endpoint.broadcast("room:lobby", "new_msg", %{"id" => "ex-1", "user" => "elixir", "body" => "hi from <elixir>", "at" => ${JSON.stringify(at)}, "node" => Atom.to_string(node())})`, ":ok");
      const m = await bob.inbox.next((x) => x.id === "ex-1");
      assert.deepEqual(m, {id: "ex-1", user: "elixir", body: "hi from <elixir>", at, node: peer.name});
      await alice.waitForFunction(() => [...document.querySelectorAll("[data-testid=message-body]")]
        .some((e) => e.textContent === "hi from <elixir>"), null, {timeout: T});
      // Atom keys, as Elixir code usually writes them.
      await expect(`PhxPeer.Endpoint.broadcast("room:lobby", "new_msg", %{id: "ex-2", user: "elixir", body: "atom keys", at: ${JSON.stringify(at)}, node: Atom.to_string(node())})`, ":ok");
      const m2 = await bob.inbox.next((x) => x.id === "ex-2");
      assert.deepEqual(m2, {id: "ex-2", user: "elixir", body: "atom keys", at, node: peer.name});
      await alice.waitForFunction(() => [...document.querySelectorAll("[data-testid=message-body]")]
        .some((e) => e.textContent === "atom keys"), null, {timeout: T});
      // The peer's own subscriber got both (dispatched locally).
      await expect(`with {:ok, l} <- PhxPeer.take(:lobby, 2, 10_000), do: Enum.map(l, & &1.event)`,
                   `["new_msg", "new_msg"]`);
      await alice.screenshot({path: path.join(h.ARTIFACTS, "elixir-broadcast.png"), fullPage: true});
      // cafe never made the peer's pubsub worker crash (same pid).
      await expect(`Process.whereis(${A}) == worker`, "true");
    });
    if (bob) await bob.close();
  } catch (e) {
    h.dumpLogs(nodes);
    throw e;
  } finally {
    if (browser) await browser.closeAll();
    if (peer) await peer.stop();
    await Promise.all(nodes.map((n) => n.kill()));
  }
});
