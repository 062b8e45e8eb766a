import {
  lstat,
  mkdtemp,
  mkdir,
  readFile,
  readlink,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { revertEntries } from "../src/engine/revert.ts";
import type { OriginalsStore } from "../src/engine/originals.ts";
import { parseConntrackStats } from "../src/facts/conntrack-stats.ts";
import { WriteError, type Actuator } from "../src/host/actuator.ts";
import {
  readResolvOptions,
  resolvConfManager,
  withOptions,
  writeResolvOptions,
} from "../src/host/resolv-conf.ts";
import { targetKey, type Target } from "../src/model/targets.ts";

describe("/proc/net/stat/nf_conntrack", () => {
  it.each([
    {
      name: "a 6.x kernel's columns, summed over CPUs by name",
      text:
        "entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart\n" +
        "0000002a  00000001 00000000 00000000 00000003 00000000 00000000 00000000 00000000 00000002 00000005 00000000 00000000  00000000 00000000 00000000 00000000\n" +
        "0000002a  00000000 00000000 00000000 00000001 00000000 00000000 00000000 00000000 00000001 0000000a 00000001 00000000  00000000 00000000 00000000 00000000\n",
      want: { entries: 42, insert_failed: 3, drop: 15, early_drop: 1, invalid: 4, clashres: 1 },
    },
    {
      name: "a 4.x kernel's columns, where insert_failed stands elsewhere",
      text:
        "entries  searched found new invalid ignore delete delete_list insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart\n" +
        "00000010  00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000000 00000007 00000002 00000000 00000000  00000000 00000000 00000000 00000000\n",
      want: { entries: 16, insert_failed: 7, drop: 2, searched: 0 },
    },
  ])("reads $name", ({ text, want }) => {
    const stats = parseConntrackStats(text);
    for (const [column, value] of Object.entries(want))
      expect([column, stats.get(column)]).toEqual([column, value]);
  });
});

describe("resolv.conf editing", () => {
  it.each([
    {
      name: "replaces the options line in place",
      text: "nameserver 1.1.1.1\noptions ndots:5\nsearch a\n",
      tokens: ["ndots:5", "single-request"],
      want: "nameserver 1.1.1.1\noptions ndots:5 single-request\nsearch a\n",
    },
    {
      name: "folds several options lines into the first",
      text: "options ndots:5\nnameserver 1.1.1.1\noptions timeout:5\n",
      tokens: ["ndots:5", "timeout:2"],
      want: "options ndots:5 timeout:2\nnameserver 1.1.1.1\n",
    },
    {
      name: "appends an options line where there was none",
      text: "nameserver 1.1.1.1\n",
      tokens: ["single-request-reopen"],
      want: "nameserver 1.1.1.1\noptions single-request-reopen\n",
    },
    {
      name: "removes the line when no option is left",
      text: "nameserver 1.1.1.1\noptions use-vc\n",
      tokens: [],
      want: "nameserver 1.1.1.1\n",
    },
  ])("$name", ({ text, tokens, want }) => {
    expect(withOptions(text, tokens)).toBe(want);
  });

  it("writes through a systemd-resolved symlink, keeps the link and reports the manager", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "nettune-resolv-"));
    onTestFinished(() => rm(root, { recursive: true, force: true }));
    await mkdir(path.join(root, "run/systemd/resolve"), { recursive: true });
    const real = path.join(root, "run/systemd/resolve/stub-resolv.conf");
    await writeFile(real, "nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch .\n", {
      mode: 0o644,
    });
    // As on a node: the link is absolute, and means the file under the node's root.
    await mkdir(path.join(root, "etc"));
    const link = path.join(root, "etc/resolv.conf");
    const target = "/run/systemd/resolve/stub-resolv.conf";
    await symlink(target, link);
    await writeResolvOptions(link, "edns0 trust-ad single-request-reopen", root);
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe(target);
    expect(await readFile(real, "utf8")).toBe(
      "nameserver 127.0.0.53\noptions edns0 trust-ad single-request-reopen\nsearch .\n",
    );
    expect((await lstat(real)).mode & 0o777).toBe(0o644);
    expect(await readResolvOptions(link, root)).toBe("edns0 trust-ad single-request-reopen");
    expect(await resolvConfManager(link)).toBe("systemd-resolved");
  });
});

describe("revert order", () => {
  it("gives a refused restore a second try once the rest is back (RSS over four queues needs the channels first)", async () => {
    const channels: Target = {
      kind: "ethtool",
      device: "eth0",
      group: "channels",
      param: "combined",
    };
    const rss: Target = { kind: "ethtool", device: "eth0", group: "rss", param: "equal" };
    const host = new Map([
      ["channels", "2"],
      ["rss", "1"],
    ]);
    const actuator = {
      read: (target: Target) =>
        Promise.resolve(target.kind === "ethtool" ? host.get(target.group) : undefined),
      write: (target: Target, value: string) => {
        if (target.kind !== "ethtool") return Promise.resolve();
        // As the kernel does: no table over more rings than there are channels.
        if (target.group === "rss" && Number(value) > Number(host.get("channels")))
          return Promise.reject(
            new WriteError("ethtool -X eth0 equal 4: Invalid argument", "ETHTOOL"),
          );
        host.set(target.group, value);
        return Promise.resolve();
      },
    } as unknown as Actuator;
    const forgotten: string[] = [];
    const store = {
      forget: (key: string) => {
        forgotten.push(key);
        return Promise.resolve();
      },
    } as unknown as OriginalsStore;
    const entries = [
      {
        key: targetKey(channels),
        target: channels,
        original: "4",
        name: "eth0/channels.combined",
        recordedAt: "2026-12-01T00:00:00Z",
      },
      {
        key: targetKey(rss),
        target: rss,
        original: "4",
        name: "eth0/rss.equal",
        recordedAt: "2026-12-01T00:00:01Z",
      },
    ];
    const results = await revertEntries(entries, { actuator, store });
    expect(results.map((r) => [r.name, r.state])).toEqual([
      ["eth0/rss.equal", "Reverted"],
      ["eth0/channels.combined", "Reverted"],
    ]);
    expect([...host.entries()]).toEqual([
      ["channels", "4"],
      ["rss", "4"],
    ]);
    expect(forgotten).toHaveLength(2);
  });
});
