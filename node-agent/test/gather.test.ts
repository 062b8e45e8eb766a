// Fact gathering on sysfs laid out as the kernel lays it out for drivers
// whose netdev device is not the PCI function (virtio_net).
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildSimulatedHost } from "../../test/harness/simulated-host.ts";
import { enact } from "../src/engine/enact.ts";
import { gatherNodeFacts, refreshQueueCounts } from "../src/facts/gather.ts";
import { Ethtool } from "../src/host/ethtool.ts";
import { hostPathsUnder } from "../src/host/paths.ts";

let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), "nettune-gather-"));
  await buildSimulatedHost(root, "boot-1");
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const put = async (file: string, text: string): Promise<void> => {
  await mkdir(path.dirname(path.join(root, file)), { recursive: true });
  await writeFile(path.join(root, file), text);
};
const refused = new Ethtool(() => Promise.resolve({ code: 1, stdout: "", stderr: "" }));
const interrupts = (queues: number): string =>
  `           CPU0       CPU1       CPU2       CPU3\n  24:  0 0 0 0  PCI-MSIX-0000:00:03.0 0-edge  virtio0-config\n${Array.from(
    { length: queues },
    (_, q) =>
      `  ${25 + 2 * q}:  0 0 0 0  PCI-MSIX-0000:00:03.0 ${1 + 2 * q}-edge  virtio0-input.${q}\n  ${26 + 2 * q}:  0 0 0 0  PCI-MSIX-0000:00:03.0 ${2 + 2 * q}-edge  virtio0-output.${q}\n`,
  ).join("")}`;

/** A virtio NIC: eth0/device is virtio0, and the vectors and NUMA node are on the PCI function above it. */
async function virtioNIC(queues: number): Promise<void> {
  const fn = "sys/devices/pci0000:00/0000:00:03.0";
  await put(`${fn}/numa_node`, "1\n");
  await put(`${fn}/vendor`, "0x1af4\n");
  await put(`${fn}/device`, "0x1041\n");
  for (let irq = 24; irq <= 24 + 2 * queues; irq++) await put(`${fn}/msi_irqs/${irq}`, "msix\n");
  await mkdir(path.join(root, fn, "virtio0"), { recursive: true });
  await mkdir(path.join(root, "sys/bus/virtio/drivers/virtio_net"), { recursive: true });
  await symlink("../../../../bus/virtio/drivers/virtio_net", path.join(root, fn, "virtio0/driver"));
  await mkdir(path.join(root, "sys/class/net/eth0/queues"), { recursive: true });
  await symlink(
    "../../../devices/pci0000:00/0000:00:03.0/virtio0",
    path.join(root, "sys/class/net/eth0/device"),
  );
  for (let q = 0; q < queues; q++) {
    await mkdir(path.join(root, `sys/class/net/eth0/queues/rx-${q}`), { recursive: true });
    await mkdir(path.join(root, `sys/class/net/eth0/queues/tx-${q}`), { recursive: true });
  }
  await put("proc/interrupts", interrupts(queues));
}

describe("a virtio_net NIC", () => {
  it("has its queue IRQs and NUMA node from the PCI function above its device", async () => {
    await virtioNIC(4);
    const paths = hostPathsUnder(root, path.join(root, "run/nettune"));
    const facts = await gatherNodeFacts(
      { paths, ethtool: refused },
      { interfaces: new Set(["eth0"]) },
    );
    const eth0 = facts.interfaces.find((i) => i.name === "eth0");
    expect(eth0?.numaNode).toBe(1);
    expect(eth0?.driver).toBe("virtio_net");
    expect(eth0?.pciDevice).toBe("1af4:1041");
    expect(eth0?.queueIRQsUnknown).toBeUndefined();
    expect(eth0?.queueIRQs.map((q) => `${q.queue}:${q.irq}`)).toEqual([
      "0:25",
      "0:26",
      "1:27",
      "1:28",
      "2:29",
      "2:30",
      "3:31",
      "3:32",
    ]);
  });

  it("takes none of an unknown driver's vectors for a queue, and says why", async () => {
    await virtioNIC(2);
    const driver = "sys/devices/pci0000:00/0000:00:03.0/virtio0/driver";
    await rm(path.join(root, driver));
    await mkdir(path.join(root, "sys/bus/virtio/drivers/vnet_sim"), { recursive: true });
    await symlink("../../../../bus/virtio/drivers/vnet_sim", path.join(root, driver));
    const paths = hostPathsUnder(root, path.join(root, "run/nettune"));
    const facts = await gatherNodeFacts(
      { paths, ethtool: refused },
      { interfaces: new Set(["eth0"]) },
    );
    const eth0 = facts.interfaces.find((i) => i.name === "eth0");
    expect(eth0?.queueIRQs).toEqual([]);
    expect(eth0?.queueIRQsUnknown).toBe(
      "queue IRQs unknown: NetTune does not know how vnet_sim names its 5 vectors, so none is taken for a queue",
    );
  });

  it("re-reads queues and IRQs after a channel change re-created them", async () => {
    await virtioNIC(4);
    const paths = hostPathsUnder(root, path.join(root, "run/nettune"));
    const before = await gatherNodeFacts(
      { paths, ethtool: refused },
      { interfaces: new Set(["eth0"]) },
    );
    // As after `ethtool -L eth0 combined 2`: two queue pairs and their vectors are gone.
    for (const q of [2, 3]) {
      await rm(path.join(root, `sys/class/net/eth0/queues/rx-${q}`), { recursive: true });
      await rm(path.join(root, `sys/class/net/eth0/queues/tx-${q}`), { recursive: true });
    }
    await put("proc/interrupts", interrupts(2));
    const after = await refreshQueueCounts(before, paths, new Set(["eth0"]));
    const eth0 = after.interfaces.find((i) => i.name === "eth0");
    expect([eth0?.rxQueues, eth0?.txQueues]).toEqual([2, 2]);
    expect(eth0?.queueIRQs.map((q) => q.irq)).toEqual([25, 26, 27, 28]);
  });
});

describe("a node without nf_conntrack", () => {
  it("skips conntrack settings and says the module is not loaded", async () => {
    const paths = hostPathsUnder(root, path.join(root, "run/nettune"));
    const { results } = await enact(
      { conntrack: { max: 262144 } },
      { paths, run: () => Promise.resolve({ code: 1, stdout: "", stderr: "" }) },
    );
    const max = results.find((r) => r.name === "conntrack.max");
    expect(max).toMatchObject({ state: "Skipped", reason: "NotPresent" });
    expect(max?.message).toContain("the nf_conntrack module is not loaded");
  });
});

describe("a virtual device's driver", () => {
  /** veth vA (no sysfs driver link) with the given ifindex; ethtool -i answers "veth" and is counted. */
  async function vethWithIfindex(ifindex: number): Promise<void> {
    await mkdir(path.join(root, "sys/class/net/vA/queues/rx-0"), { recursive: true });
    await put("sys/class/net/vA/ifindex", `${ifindex}\n`);
  }
  const asked: string[] = [];
  const memo = new Map<string, Record<string, string>>();
  const ethtool = (): Ethtool =>
    new Ethtool(
      (_binary, args) => {
        if (args.at(-1) === "vA") asked.push(args.join(" "));
        return Promise.resolve({ code: 0, stdout: "driver: veth\n", stderr: "" });
      },
      { driverInfoMemo: memo },
    );
  const driverOfVA = async (): Promise<string | undefined> => {
    const paths = hostPathsUnder(root, path.join(root, "run/nettune"));
    const facts = await gatherNodeFacts({ paths, ethtool: ethtool() }, { queries: new Set() });
    return facts.interfaces.find((i) => i.name === "vA")?.driver;
  };

  it("is asked of ethtool once while its ifindex stays, and again when the name is a new device", async () => {
    asked.length = 0;
    memo.clear();
    await vethWithIfindex(7);
    expect(await driverOfVA()).toBe("veth");
    expect(await driverOfVA()).toBe("veth");
    expect(asked).toEqual(["-i vA"]);
    await vethWithIfindex(9);
    expect(await driverOfVA()).toBe("veth");
    expect(asked).toEqual(["-i vA", "-i vA"]);
    expect([...memo.keys()].filter((key) => key.startsWith("vA#"))).toEqual(["vA#9"]);
  });
});
