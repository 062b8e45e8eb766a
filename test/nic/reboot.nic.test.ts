// A real reboot of the guest: originals recorded in one boot describe a kernel
// that is gone. After the reboot the kernel has its own defaults again; the
// agent drops the old originals and records this boot's, so a revert restores
// what this boot had, not what the last one had.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { runInGuest, type GuestRun } from "../harness/guest/guest.ts";
import { current, guestShell, section } from "../harness/guest/readback.ts";

const tuning = stringify({
  apiVersion: "nettune.io/v1alpha1",
  kind: "NodeNetworkTuning",
  metadata: { name: "guest" },
  spec: {
    interfaces: [
      { match: { drivers: ["virtio_net"] }, channels: { combined: 2 } },
      { match: { drivers: ["e1000e"] }, rings: { rx: 1024 } },
    ],
  },
});

// The originals live on the job's share, which outlives the boot (on a node, /run does not:
// this keeps them across the reboot to show that the agent drops them by boot_id alone).
const job = `${guestShell}
nics
agent() { node dist/node-agent/src/cli.js "$@" --run-dir /job/state; }
if [ ! -f /job/boot-1 ]; then
  cat /proc/sys/kernel/random/boot_id > /job/boot-1
  agent apply --file /job/tuning.yaml --output json > /job/boot-1-apply.json
  readback boot-1-applied
  cp /job/state/originals.json /job/boot-1-originals.json
  sync
  /busybox reboot -f
fi
cat /proc/sys/kernel/random/boot_id > /job/boot-2
readback boot-2-start
# This boot's own setting, made before the agent runs: the original to come back to.
ethtool -G $(cat /job/nic-e1000e) rx 512
agent apply --file /job/tuning.yaml --output json > /job/boot-2-apply.json
cp /job/state/originals.json /job/boot-2-originals.json
readback boot-2-applied
agent revert --output json > /job/boot-2-revert.json
readback boot-2-reverted
`;

let guest: GuestRun;
const text: Record<string, string> = {};

beforeAll(async () => {
  guest = await runInGuest(job, { files: { "tuning.yaml": tuning }, allowReboot: true });
  for (const file of [
    "boot-1",
    "boot-2",
    "boot-1-applied",
    "boot-2-start",
    "boot-2-applied",
    "boot-2-reverted",
  ])
    text[file] = await guest.read(file).catch(() => "");
}, 400_000);

afterAll(async () => {
  if (process.env.NETTUNE_KEEP_WORK !== "1") await guest.removeWork();
});

interface StoreFile {
  bootId: string;
  entries: { key: string; original: string }[];
}

async function originals(file: string): Promise<StoreFile> {
  return JSON.parse(await guest.read(file)) as StoreFile;
}

const rx = (label: string): string | undefined =>
  current(section(text[label] ?? "", "e1000e"), "g", "RX");
const combined = (label: string): string | undefined =>
  current(section(text[label] ?? "", "virtio_net"), "l", "Combined");

describe("a real reboot of the guest", () => {
  it("rebooted once: two boots, two boot_ids, and the job ran to the end", async () => {
    expect(await guest.read("log").catch(() => guest.console)).toMatch(/exit 0\s*$/);
    expect(text["boot-1"]).toMatch(/^[0-9a-f-]{36}\s*$/);
    expect(text["boot-2"]).toMatch(/^[0-9a-f-]{36}\s*$/);
    expect(text["boot-2"]).not.toBe(text["boot-1"]);
  });

  it("the new kernel starts from its own defaults, not from the tuned values", () => {
    expect([combined("boot-1-applied"), rx("boot-1-applied")]).toEqual(["2", "1024"]);
    expect([combined("boot-2-start"), rx("boot-2-start")]).toEqual(["4", "256"]);
  });

  it("drops the originals of the old boot and records this boot's", async () => {
    const old = await originals("boot-1-originals.json");
    const fresh = await originals("boot-2-originals.json");
    expect(old.bootId).toBe(text["boot-1"]?.trim());
    expect(fresh.bootId).toBe(text["boot-2"]?.trim());
    const ring = (store: StoreFile): string | undefined =>
      store.entries.find((e) => e.key.endsWith(":rings.rx"))?.original;
    expect([ring(old), ring(fresh)]).toEqual(["256", "512"]);
    const apply = JSON.parse(await guest.read("boot-2-apply.json")) as {
      discardedStaleOriginals: number;
    };
    expect(apply.discardedStaleOriginals).toBe(old.entries.length);
  });

  it("revert in the new boot restores what this boot had (RX 512), not the old boot's 256", () => {
    expect([combined("boot-2-applied"), rx("boot-2-applied")]).toEqual(["2", "1024"]);
    expect([combined("boot-2-reverted"), rx("boot-2-reverted")]).toEqual(["4", "512"]);
  });
});
