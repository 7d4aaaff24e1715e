// What the chat's end-to-end tests run beside cafe-chat nodes: a TCP proxy
// that fails over between nodes (a stand-in for a load balancer),
// Debian's Chromium through playwright-core, and an Elixir peer running the
// Phoenix.PubSub and Phoenix.Channel.Server test doubles. Processes are
// started and killed through harness.mjs.
import net from "node:net";
import path from "node:path";
import {Inbox, REPO, adoptProcess, killGroup, killProcess, requireProgram,
        startProcess, withTimeout} from "./harness.mjs";

// -- a TCP proxy that fails over --------------------------------------------

/**
 * A TCP proxy on 127.0.0.1 that sends each new connection to the first of
 * `upstreams()` that accepts it, as a load balancer with health checks
 * would; when either side closes, so does the other. The page behind it
 * keeps one origin while nodes come and go.
 */
export async function startProxy(upstreams) {
  const conns = new Set();
  const server = net.createServer((client) => {
    conns.add(client);
    client.on("close", () => conns.delete(client));
    client.pause();
    const list = upstreams();
    const tryNext = (i) => {
      if (i >= list.length) { client.destroy(); return; }
      const up = net.connect(list[i].port, list[i].host);
      up.once("error", () => { up.destroy(); tryNext(i + 1); });
      up.once("connect", () => {
        up.removeAllListeners("error");
        conns.add(up);
        up.on("close", () => { conns.delete(up); client.destroy(); });
        up.on("error", () => client.destroy());
        client.on("error", () => up.destroy());
        client.on("close", () => up.destroy());
        client.pipe(up);
        up.pipe(client);
        client.resume();
      });
    };
    tryNext(0);
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: server.address().port,
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((r) => {
      for (const c of conns) c.destroy();
      server.close(() => r());
    }),
  };
}

// -- Chromium ----------------------------------------------------------------

export const CHROMIUM = "/usr/bin/chromium";

/** Debian's Chromium through playwright-core (never a downloaded browser). */
export async function launchChromium() {
  requireProgram(CHROMIUM, "chromium");
  const {chromium} = await import("playwright-core");
  const server = await chromium.launchServer({
    executablePath: CHROMIUM,
    args: ["--no-sandbox"],
    headless: true,
  });
  const proc = server.process();
  adoptProcess(proc);
  const browser = await chromium.connect(server.wsEndpoint());
  browser.closeAll = async () => {
    try { await browser.close(); } catch {}
    try { await server.close(); } catch {}
    killGroup(proc.pid);
  };
  return browser;
}

// -- the Elixir peer (tests/support/phoenix_pubsub/peer.exs) ---------------

export const PEER_EXS = path.join(REPO, "tests/support/phoenix_pubsub/peer.exs");

/**
 * An Elixir node running the Phoenix.PubSub test double with pubsub
 * `pubsub`, without EPMD on `distPort` of `host` (like the chat nodes):
 * `await peer.eval("Elixir expression")` answers the inspected value.
 */
export async function startElixirPeer({host, distPort, cookie,
                                       pubsub = "Chat.PubSub", alive = "ex",
                                       channels = true}) {
  requireProgram("elixir", "elixir");
  const name = `${alive}@${host}`;
  const lines = new Inbox();
  const child = startProcess("elixir", [
    "--name", name, "--cookie", cookie,
    "--erl", `-start_epmd false -erl_epmd_port ${distPort} ` +
             `-kernel inet_dist_use_interface {${host.split(".").join(",")}} ` +
             "+sbwt none +sbwtdcpu none +sbwtdio none",
    PEER_EXS, `pubsub=${pubsub}`,
  ], {logName: alive, stdin: true,
      env: channels ? undefined : {PHX_PEER_CHANNELS: "false"},
      onLine: (l) => {
    if (l.startsWith("@@phx ")) lines.put(l.slice(6));
  }});
  const exited = child.exited.then((r) => {
    throw new Error(`elixir peer exited: ${JSON.stringify(r)}`);
  });
  exited.catch(() => {});
  const ready = await withTimeout(Promise.race([lines.next(), exited]), 60000,
                                  "the elixir peer's ready line");
  if (ready !== `ready :"${name}"`)
    throw new Error(`unexpected peer line: ${ready}`);
  let chain = Promise.resolve();
  const peer = {
    name, child,
    /** One expression (a line); resolves with the inspected value or throws. */
    eval(expr, timeout = 30000) {
      const run = chain.then(async () => {
        child.stdin.write(expr.replace(/\n/g, " ") + "\n");
        const line = await withTimeout(Promise.race([lines.next(), exited]),
                                       timeout, `peer answer to ${expr}`);
        if (!line.startsWith("ok ")) throw new Error(`${expr} -> ${line}`);
        return line.slice(3);
      });
      chain = run.catch(() => {});
      return run;
    },
    async stop() {
      try { child.stdin.end(); } catch {}
      return killProcess(child, "SIGTERM", 5000);
    },
  };
  return peer;
}
