// The agent's side of irqbalance's control socket, against a real Unix socket
// that answers the way irqbalance 1.9.2 does: one request per connection, and
// nothing at all while it rescans.
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { IRQBalanceSocket } from "../src/host/irqbalance-socket.ts";

let dir: string;
let server: Server | undefined;
const open = new Set<Socket>();

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "nettune-irqbalance-"));
});

afterEach(async () => {
  for (const socket of open) socket.destroy();
  open.clear();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

/** An irqbalance that answers `setup` after `holdMs`, or never. */
async function irqbalance(holdMs: number | "never"): Promise<string> {
  const socketPath = path.join(dir, "irqbalance1.sock");
  // Half-open, as irqbalance: the request's end does not close the answer's side.
  server = createServer({ allowHalfOpen: true }, (socket) => {
    open.add(socket);
    socket.on("data", () => {
      if (holdMs === "never") return;
      setTimeout(() => socket.end("SLEEP 10 IRQ 39 LOAD 0 DIFF 0 CLASS 0 BANNED 00000000"), holdMs);
    });
  });
  await new Promise<void>((resolve) => server?.listen(socketPath, resolve));
  return socketPath;
}

describe("irqbalance's control socket", () => {
  it("waits out a rescan of several seconds, as irqbalance before 1.9.4 makes after each ban", async () => {
    const socket = new IRQBalanceSocket(await irqbalance(4_000));
    expect(await socket.banned()).toEqual([39]);
  }, 20_000);

  it("gives up on an irqbalance that never answers, with ETIMEDOUT", async () => {
    const socket = new IRQBalanceSocket(await irqbalance("never"), 200);
    await expect(socket.banned()).rejects.toMatchObject({ code: "ETIMEDOUT" });
  });
});
