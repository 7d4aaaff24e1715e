// The chat page in headless Chromium (Debian's, driven by playwright-core)
// against a two-node cafe-chat cluster: two browser contexts on two nodes
// exchange messages; HTML typed as text stays text; presence updates when a
// tab closes; a node is killed and the pages behind a failover proxy (a
// stand-in for a load balancer) reconnect to the other node and still see
// the history. Screenshots are kept under CHAT_TEST_ARTIFACTS.
import test from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import * as h from "./harness.mjs";
import * as p from "./peers.mjs";

const T = 15000; // per wait in the page

async function openChat(browser, url, nick, room = "lobby") {
  const context = await browser.newContext({viewport: {width: 1200, height: 800}});
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.errors = errors;
  await page.goto(url);
  await page.getByTestId("conn-state").and(page.locator("[data-state=connected]"))
    .waitFor({timeout: T});
  await page.getByTestId("nick").fill(nick);
  await page.getByTestId("nick").dispatchEvent("change");
  await page.getByTestId("room-name").fill(room);
  await page.getByTestId("room-join").click();
  await page.locator("#room-state[data-state=joined]").waitFor({timeout: T});
  return {context, page};
}

async function send(page, body) {
  await page.getByTestId("body").fill(body);
  await page.getByTestId("send").click();
  // Cleared once the server answered ok.
  await page.waitForFunction(() => document.getElementById("body").value === "",
                             null, {timeout: T});
}

/** The bodies shown, in order. */
const bodies = (page) => page.$$eval("[data-testid=message] [data-testid=message-body]",
                                     (els) => els.map((e) => e.textContent));

async function waitBody(page, body) {
  await page.waitForFunction(
    (b) => [...document.querySelectorAll("[data-testid=message-body]")]
      .some((e) => e.textContent === b), body, {timeout: T});
}

const presence = (page) => page.$$eval("[data-testid=presence-user]",
                                       (els) => els.map((e) => e.dataset.user));

async function waitPresence(page, users) {
  await page.waitForFunction(
    (want) => [...document.querySelectorAll("[data-testid=presence-user]")]
      .map((e) => e.dataset.user).join(",") === want,
    users.join(","), {timeout: T});
}

async function shot(page, name) {
  await page.screenshot({path: path.join(h.ARTIFACTS, `${name}.png`), fullPage: true});
}

test("the chat page in Chromium on a 2-node cluster", {timeout: 240000}, async (t0) => {
  let nodes = [];
  let browser;
  let proxy;
  const t = h.loggedSubtests(t0, () => nodes);
  try {
    h.requireProgram(p.CHROMIUM, "chromium");
    // The proxy first: its origin is allowed on every node.
    let upstreams = [];
    proxy = await p.startProxy(() => upstreams);
    // With an allow-list the nodes' own origins must be on it too.
    nodes = await h.startCluster(2, {allowedOrigins: (ns) => [proxy.url, ...ns.map((n) => n.url)]});
    const [n1, n2] = nodes;
    upstreams = nodes;
    browser = await p.launchChromium();

    let alice, bob;
    await t.test("two contexts on two nodes exchange messages", async () => {
      alice = await openChat(browser, n1.url, "alice");
      bob = await openChat(browser, n2.url, "bob");
      assert.equal(await alice.page.getByTestId("node").textContent(), n1.name);
      assert.equal(await bob.page.getByTestId("node").textContent(), n2.name);
      await alice.page.waitForFunction((n) =>
        document.getElementById("http-node").textContent === n, n1.name, {timeout: T});
      await send(alice.page, "hello from alice");
      await waitBody(bob.page, "hello from alice");
      await send(bob.page, "hi alice, bob here");
      await waitBody(alice.page, "hi alice, bob here");
      assert.deepEqual(await bodies(alice.page), ["hello from alice", "hi alice, bob here"]);
      assert.deepEqual(await bodies(bob.page), ["hello from alice", "hi alice, bob here"]);
      // Each message names the node it was sent through, and its author.
      const meta = await bob.page.$$eval("[data-testid=message]", (els) => els.map((e) => [
        e.querySelector("[data-testid=message-user]").textContent,
        e.querySelector("[data-testid=message-node]").textContent]));
      assert.deepEqual(meta, [["alice", n1.name], ["bob", n2.name]]);
      // The room list (from /api/rooms) shows lobby with both.
      await alice.page.waitForFunction(() => {
        const li = document.querySelector("[data-testid=room][data-room=lobby] .count");
        return li && li.textContent === "2";
      }, null, {timeout: T});
      await waitPresence(alice.page, ["alice", "bob"]);
      await waitPresence(bob.page, ["alice", "bob"]);
      await shot(alice.page, "alice-on-node1");
      await shot(bob.page, "bob-on-node2");
    });

    await t.test("HTML typed as a message or nickname stays text", async () => {
      const evil = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b>bold</b>`;
      await send(alice.page, evil);
      await waitBody(bob.page, evil);
      assert.equal(await bob.page.evaluate(() => window.__pwned), undefined);
      assert.equal(await bob.page.locator("#messages img, #messages script, #messages b").count(), 0);
      // A nickname the server refuses is reported, not rendered as HTML.
      const mallory = await browser.newContext();
      const page = await mallory.newPage();
      await page.goto(n2.url);
      await page.getByTestId("nick").fill("<img src=x onerror=window.__pwned=3>");
      await page.getByTestId("room-name").fill("lobby");
      await page.getByTestId("room-join").click();
      await page.getByTestId("error").and(page.locator(":not([hidden])")).waitFor({timeout: T});
      assert.match(await page.getByTestId("error").textContent(), /^Could not join lobby: /);
      assert.equal(await page.evaluate(() => window.__pwned), undefined);
      await mallory.close();
      assert.deepEqual(alice.page.errors, []);
      assert.deepEqual(bob.page.errors, []);
    });

    await t.test("presence updates when a tab closes", async () => {
      await bob.context.close();
      await waitPresence(alice.page, ["alice"]);
      await shot(alice.page, "alice-after-bob-left");
    });

    await t.test("a node killed: its clients reconnect to the other node and still see history", async () => {
      // carol behind the proxy lands on node 1 (first upstream); dave on node 2.
      const carol = await openChat(browser, proxy.url, "carol");
      const dave = await openChat(browser, n2.url, "dave");
      assert.equal(await carol.page.getByTestId("node").textContent(), n1.name);
      await send(carol.page, "before the crash");
      await waitBody(dave.page, "before the crash");
      await waitPresence(dave.page, ["alice", "carol", "dave"]);
      await n1.kill("SIGKILL");
      // carol's page: the socket drops, reconnects through the proxy to
      // node 2, and rejoins there.
      await carol.page.waitForFunction((n) =>
        document.getElementById("node").textContent === n &&
        document.getElementById("room-state").dataset.state === "joined" &&
        document.getElementById("conn-state").dataset.state === "connected",
      n2.name, {timeout: 30000});
      await carol.page.waitForFunction((n) =>
        document.getElementById("http-node").textContent === n, n2.name, {timeout: T});
      // alice was on node 1 directly: she vanishes from presence, carol stays.
      await waitPresence(dave.page, ["carol", "dave"]);
      await send(carol.page, "after the crash");
      await waitBody(dave.page, "after the crash");
      // A fresh page behind the proxy gets the history from node 2.
      const erin = await openChat(browser, proxy.url, "erin");
      assert.equal(await erin.page.getByTestId("node").textContent(), n2.name);
      const seen = await bodies(erin.page);
      for (const b of ["hello from alice", "hi alice, bob here", "before the crash",
                       "after the crash"])
        assert.ok(seen.includes(b), `history lacks ${b}: ${JSON.stringify(seen)}`);
      assert.deepEqual(await bodies(carol.page), seen);
      await shot(carol.page, "carol-after-failover");
      await shot(erin.page, "erin-history-on-node2");
      await shot(alice.page, "alice-node1-killed");
    });
  } catch (e) {
    h.dumpLogs(nodes);
    throw e;
  } finally {
    if (browser) await browser.closeAll();
    if (proxy) await proxy.close();
    await Promise.all(nodes.map((n) => n.kill()));
  }
});
