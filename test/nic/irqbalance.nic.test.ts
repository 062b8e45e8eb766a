// irqbalance 1.9 running in the guest beside the agent: Report lets it move
// the tuned IRQs and puts them back at the next check; BanTunedIRQs asks it,
// through its control socket, to leave them alone. Every affinity asserted is
// read from the guest's /proc/irq after irqbalance has made its passes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { SettingResult } from "../../api/v1alpha1/node-network-tuning.ts";
import { runInGuest, type GuestRun } from "../harness/guest/guest.ts";
import { guestShell, irqAffinities, section } from "../harness/guest/readback.ts";

const tuning = (policy: "Report" | "BanTunedIRQs"): string =>
  stringify({
    apiVersion: "nettune.io/v1alpha1",
    kind: "NodeNetworkTuning",
    metadata: { name: "guest" },
    spec: {
      irqbalance: { policy },
      interfaces: [
        { match: { drivers: ["e1000e"] }, irqAffinity: { policy: "Pin", cpus: "3" } },
        { match: { drivers: ["vmxnet3"] }, irqAffinity: { policy: "Pin", cpus: "1" } },
      ],
    },
  });

// irqbalance balances every 2 s here (10 s by default); 7 s is three passes.
const passes = "sleep 7";

const job = `${guestShell}
nics
mkdir -p /run/irqbalance
$NETTUNE_GUEST_CACHE/irqbalance --foreground --interval=2 > /job/irqbalance.log 2>&1 &
${passes}
cat > /tmp/setup.mjs <<'JS'
import net from "node:net";
import { readdirSync } from "node:fs";
const path = "/run/irqbalance/" + readdirSync("/run/irqbalance").find((f) => f.endsWith(".sock"));
const c = net.createConnection(path, () => c.end("setup"));
let answer = "";
c.on("data", (d) => (answer += d));
c.on("close", () => console.log(answer));
JS
agent() { node dist/node-agent/src/cli.js "$@"; }
readback start
agent inventory --output json > /job/inventory.json

# Report: the tuned IRQs are placed, irqbalance may move them, the next apply puts them back.
# irqbalance is held (SIGSTOP) while the agent writes and the kernel is read, so that the
# read-back shows what the agent wrote, and let go for its passes.
pid=$(pidof irqbalance)
kill -STOP $pid
agent apply --file /job/report.yaml --output json > /job/report-apply.json
readback report-applied
# SIGHUP: irqbalance rescans and places every IRQ anew at its next pass, as at its start or after
# a CPU or device change; without it, it moves an IRQ only when the load calls for it.
kill -CONT $pid
kill -HUP $pid
${passes}
# Held before the read-back: a pass between it and the apply could move an IRQ back to its tuned
# CPU, and the apply would rightly find it AlreadySet.
kill -STOP $pid
readback report-after-passes
agent apply --file /job/report.yaml --output json > /job/report-reapply.json
readback report-reapplied
kill -CONT $pid
agent revert --output json > /job/report-revert.json

# BanTunedIRQs: irqbalance is told to leave them alone, and does.
agent apply --file /job/ban.yaml --output json > /job/ban-apply.json
node /tmp/setup.mjs > /job/ban-setup
kill -HUP $pid
${passes}
readback ban-after-passes
agent revert --output json > /job/ban-revert.json
node /tmp/setup.mjs > /job/revert-setup
readback ban-reverted
`;

let guest: GuestRun;
const text: Record<string, string> = {};
const files = [
  "start",
  "report-applied",
  "report-after-passes",
  "report-reapplied",
  "ban-after-passes",
  "ban-reverted",
  "ban-setup",
  "revert-setup",
];

beforeAll(async () => {
  guest = await runInGuest(job, {
    files: { "report.yaml": tuning("Report"), "ban.yaml": tuning("BanTunedIRQs") },
  });
  for (const file of files) text[file] = await guest.read(file).catch(() => "");
}, 400_000);

afterAll(async () => {
  if (process.env.NETTUNE_KEEP_WORK !== "1") await guest.removeWork();
});

const queues = /-(rx|tx|rxtx)-\d+$/;
/** The tuned NICs' queue IRQs and their affinities in one read-back. */
function tuned(label: string): { e1000e: string[]; vmxnet3: string[] } {
  const of = (driver: string): string[] =>
    irqAffinities(section(text[label] ?? "", driver), queues).map(([, cpus]) => cpus);
  return { e1000e: of("e1000e"), vmxnet3: of("vmxnet3") };
}

async function results(file: string): Promise<SettingResult[]> {
  return (JSON.parse(await guest.read(file)) as { results: SettingResult[] }).results;
}

describe("irqbalance running in the guest", () => {
  it("ran the job to the end with irqbalance up, and the inventory says irqbalance runs", async () => {
    expect(await guest.read("log").catch(() => guest.console)).toMatch(/exit 0\s*$/);
    expect(JSON.parse(await guest.read("inventory.json"))).toMatchObject({
      irqbalanceRunning: true,
    });
  });

  it("Report: places the IRQs and warns on each that irqbalance may move them", async () => {
    expect(tuned("report-applied")).toEqual({
      e1000e: ["3", "3"],
      vmxnet3: ["1", "1", "1", "1"],
    });
    const irqRows = (await results("report-apply.json")).filter((r) => r.name.includes("/irq/"));
    expect(irqRows).toHaveLength(6);
    for (const row of irqRows) expect(row.message).toContain("irqbalance is running and may move");
  });

  it("Report: irqbalance moves them at its next rescan, and the next apply puts them back and says so", async () => {
    const moved = tuned("report-after-passes");
    expect(
      [...moved.e1000e, ...moved.vmxnet3].some(
        (cpus, i) => cpus !== ["3", "3", "1", "1", "1", "1"][i],
      ),
    ).toBe(true);
    // Each IRQ irqbalance moved is written back: Written, or EffectivePending while the kernel
    // still delivers it where irqbalance put it (an idle queue's IRQ moves when it next fires).
    const movedIRQs = ["e1000e", "vmxnet3"].flatMap((driver) =>
      section(text["report-after-passes"] ?? "", driver)
        .split("\n")
        .filter((l) => l.startsWith("irq ") && queues.test(l))
        .map((l) => l.split(" "))
        .filter(([, , cpus]) => cpus !== (driver === "e1000e" ? "3" : "1"))
        .map(([, irq]) => Number(irq)),
    );
    const reapplied = await results("report-reapply.json");
    const corrected = movedIRQs.map(
      (irq) => reapplied.find((r) => r.name.endsWith(`/irq/${irq}`))?.reason,
    );
    expect(corrected.length).toBeGreaterThan(0);
    for (const reason of corrected) expect(["Written", "EffectivePending"]).toContain(reason);
    expect(tuned("report-reapplied")).toEqual({
      e1000e: ["3", "3"],
      vmxnet3: ["1", "1", "1", "1"],
    });
  });

  it("BanTunedIRQs: bans exactly the tuned IRQs through irqbalance's socket, first", async () => {
    const rows = await results("ban-apply.json");
    expect(rows[0]).toMatchObject({
      name: "irqbalance/banned-irqs",
      state: "Applied",
      reason: "Written",
    });
    const irqs = (label: string): number[] =>
      ["e1000e", "vmxnet3"].flatMap((driver) =>
        section(text[label] ?? "", driver)
          .split("\n")
          .filter((l) => l.startsWith("irq ") && queues.test(l))
          .map((l) => Number(l.split(" ")[1])),
      );
    const banned = [...(text["ban-setup"] ?? "").matchAll(/IRQ (\d+)/g)].map((m) => Number(m[1]));
    expect(banned.sort((a, b) => a - b)).toEqual(irqs("start").sort((a, b) => a - b));
  });

  it("BanTunedIRQs: after irqbalance's passes, a forced rescan among them, the tuned affinities still hold", async () => {
    // What the apply did to each IRQ says, on a failure, whether it wrote or found the value set.
    const applied = (await results("ban-apply.json")).map((r) => `${r.name} ${r.reason}`);
    expect(tuned("ban-after-passes"), applied.join("; ")).toEqual({
      e1000e: ["3", "3"],
      vmxnet3: ["1", "1", "1", "1"],
    });
  });

  it("revert lifts the bans and restores the affinities irqbalance had given", async () => {
    expect(text["revert-setup"]).not.toMatch(/IRQ \d+/);
    const reverted = await results("ban-revert.json");
    expect(reverted.at(-1)).toMatchObject({ name: "irqbalance/banned-irqs", state: "Reverted" });
    expect(reverted.every((r) => r.state === "Reverted")).toBe(true);
  });
});
