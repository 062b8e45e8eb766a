import { describe, expect, it } from "vitest";
import type { DeviceIdentity } from "../src/facts/device-identity.ts";
import { findRenames, interfaceOf, renamedTarget } from "../src/engine/device-renames.ts";

const nic = (busInfo?: string, address?: string): DeviceIdentity => ({
  ...(busInfo ? { busInfo } : {}),
  ...(address ? { address } : {}),
});

describe("following a renamed interface by its identity", () => {
  const cases: {
    sentence: string;
    recorded: [string, DeviceIdentity][];
    present: [string, DeviceIdentity][];
    renames: string[];
  }[] = [
    {
      sentence: "an interface present under its name is not renamed",
      recorded: [["eth0", nic("0000:00:03.0", "52:54:00:00:00:01")]],
      present: [["eth0", nic("0000:00:03.0", "52:54:00:00:00:01")]],
      renames: [],
    },
    {
      sentence: "a device on the same bus position under another name is followed",
      recorded: [["eth0", nic("0000:00:03.0", "52:54:00:00:00:01")]],
      present: [["ens3", nic("0000:00:03.0", "52:54:00:00:00:01")]],
      renames: ["eth0→ens3"],
    },
    {
      sentence: "the bus position decides over a changed hardware address",
      recorded: [["eth0", nic("0000:00:03.0", "52:54:00:00:00:01")]],
      present: [["ens3", nic("0000:00:03.0", "02:00:00:00:00:09")]],
      renames: ["eth0→ens3"],
    },
    {
      sentence: "another device with the same address is not taken for it",
      recorded: [["eth0", nic("0000:00:03.0", "52:54:00:00:00:01")]],
      present: [["ens4", nic("0000:00:04.0", "52:54:00:00:00:01")]],
      renames: [],
    },
    {
      sentence: "a virtual interface is followed by its address",
      recorded: [["vA", nic(undefined, "02:aa:00:00:00:01")]],
      present: [["vR", nic(undefined, "02:aa:00:00:00:01")]],
      renames: ["vA→vR"],
    },
    {
      sentence: "an all-zero address names no device",
      recorded: [["tun0", nic(undefined, "00:00:00:00:00:00")]],
      present: [["tun1", nic(undefined, "00:00:00:00:00:00")]],
      renames: [],
    },
    {
      sentence: "two candidates are ambiguous and rename nothing",
      recorded: [["vA", nic(undefined, "02:aa:00:00:00:01")]],
      present: [
        ["vR", nic(undefined, "02:aa:00:00:00:01")],
        ["vS", nic(undefined, "02:aa:00:00:00:01")],
      ],
      renames: [],
    },
    {
      sentence: "an interface that has originals of its own is never a rename target",
      recorded: [
        ["vA", nic(undefined, "02:aa:00:00:00:01")],
        ["vR", nic(undefined, "02:aa:00:00:00:01")],
      ],
      present: [["vR", nic(undefined, "02:aa:00:00:00:01")]],
      renames: [],
    },
    {
      sentence: "a device that is gone stays as it is",
      recorded: [["eth1", nic("0000:00:05.0")]],
      present: [["eth0", nic("0000:00:03.0")]],
      renames: [],
    },
  ];
  it.each(cases)("$sentence", ({ recorded, present, renames }) => {
    expect(
      findRenames(new Map(recorded), new Map(present)).map((r) => `${r.from}→${r.to}`),
    ).toEqual(renames);
  });

  it("moves a target to the new name, and leaves targets of no interface alone", () => {
    const sys = { kind: "sys" as const, path: "class/net/vA/queues/rx-0/rps_cpus" };
    expect(interfaceOf(sys)).toBe("vA");
    expect(renamedTarget(sys, "vR")).toEqual({
      kind: "sys",
      path: "class/net/vR/queues/rx-0/rps_cpus",
    });
    const ethtool = {
      kind: "ethtool" as const,
      device: "vA",
      group: "channels" as const,
      param: "rx",
    };
    expect(renamedTarget(ethtool, "vR")).toMatchObject({ device: "vR" });
    const irq = { kind: "proc" as const, path: "irq/30/smp_affinity_list" };
    expect(interfaceOf(irq)).toBeUndefined();
    expect(renamedTarget(irq, "vR")).toEqual(irq);
  });
});
