import { describe, expect, it } from "vitest";
import { conflicting, describeConflict, otherWriters } from "../src/engine/writer-conflicts.ts";
import { parseIni } from "../src/facts/ini.ts";
import { connectionWrites, linkFileWrites } from "../src/facts/link-configs.ts";
import type { PlannedSetting } from "../src/tuners/types.ts";

// A keyfile as `nmcli connection modify eth0 ethtool.feature-gro off ethtool.ring-rx 1024` writes it.
const keyfile = `[connection]
id=eth0
uuid=5fb1b0a4-3a4b-4f0a-9d62-1a9e0c4f6a11
type=ethernet
interface-name=eth0

[ethernet]

[ethtool]
coalesce-adaptive-rx=1
feature-gro=false
ring-rx=1024

[ipv4]
method=auto
`;

const ini = (text: string): ReturnType<typeof parseIni> =>
  parseIni(text, { inlineComments: false });

const planned = (
  device: string,
  group: "features" | "rings" | "coalesce",
  param: string,
  desired: string,
): PlannedSetting => ({
  name: `${device}/${group}.${param}`,
  desired,
  target: { kind: "ethtool", device, group, param },
});

describe("NetworkManager's connections", () => {
  it("give the [ethtool] settings of a connection bound to an interface name, booleans as on/off", () => {
    const writes = connectionWrites(
      ini(keyfile),
      "/etc/NetworkManager/system-connections/eth0.nmconnection",
    );
    expect(writes.map((w) => [w.target, w.value])).toEqual([
      [{ kind: "nic", devices: "eth0", group: "coalesce", param: "adaptive-rx" }, "on"],
      [{ kind: "nic", devices: "eth0", group: "features", param: "gro" }, "off"],
      [{ kind: "nic", devices: "eth0", group: "rings", param: "rx" }, "1024"],
    ]);
  });

  it("give nothing for a connection matched by MAC address: its NIC is unknown here", () => {
    expect(connectionWrites(ini(keyfile.replace("interface-name=eth0\n", "")), "x")).toEqual([]);
  });

  it("fight NetTune's GRO on that NIC alone, and name the key to remove", () => {
    const networkManager = {
      pid: 311,
      writes: connectionWrites(
        ini(keyfile),
        "/etc/NetworkManager/system-connections/eth0.nmconnection",
      ),
    };
    const writers = otherWriters(
      [
        planned("eth0", "features", "generic-receive-offload", "on"),
        planned("eth1", "features", "generic-receive-offload", "on"),
        planned("eth0", "rings", "rx", "1024"),
      ],
      { networkManager },
    );
    expect(writers.map((w) => [w.setting, w.kind, w.fights])).toEqual([
      ["eth0/features.generic-receive-offload", "networkmanager", true],
      ["eth0/rings.rx", "networkmanager", false],
    ]);
    expect(conflicting(writers).map(describeConflict)).toEqual([
      "NetworkManager (pid 311) writes eth0/features.generic-receive-offload=off when the connection comes up (NetTune holds on): remove [ethtool] feature-gro in /etc/NetworkManager/system-connections/eth0.nmconnection, or set it to NetTune's value there",
    ]);
  });
});

describe("udev's .link files", () => {
  const link = (match: string, settings: string): ReturnType<typeof parseIni> =>
    ini(`[Match]\n${match}\n\n[Link]\nNamePolicy=keep\n${settings}\n`);

  it("give the [Link] settings on the names they match; an earlier file shadows a later one", () => {
    const writes = linkFileWrites([
      {
        file: "/etc/systemd/network/10-eth0.link",
        ini: link("OriginalName=eth0", "RxBufferSize=4096"),
      },
      {
        file: "/etc/systemd/network/20-all.link",
        ini: link("OriginalName=eth*", "GenericReceiveOffload=no\nRxCoalesceSec=50us"),
      },
      {
        file: "/etc/systemd/network/30-mac.link",
        ini: link("MACAddress=00:11:22:33:44:55", "TxBufferSize=512"),
      },
    ]);
    expect(writes.map((w) => [w.target, w.value])).toEqual([
      [{ kind: "nic", devices: "eth0", group: "rings", param: "rx" }, "4096"],
      [{ kind: "nic", devices: "eth* !eth0", group: "features", param: "gro" }, "off"],
      [{ kind: "nic", devices: "eth* !eth0", group: "coalesce", param: "rx-usecs" }, "50"],
    ]);
  });

  it("are named as udev's on the NICs they set up", () => {
    const linkFiles = {
      pid: 90,
      writes: linkFileWrites([
        {
          file: "/etc/systemd/network/10-eth0.link",
          ini: link("OriginalName=eth0", "RxBufferSize=4096"),
        },
        {
          file: "/etc/systemd/network/20-all.link",
          ini: link("OriginalName=!lo", "TransmitQueueLength=1000"),
        },
      ]),
    };
    const writers = otherWriters(
      [
        planned("eth0", "rings", "rx", "2048"),
        {
          name: "eth1/txqueuelen",
          desired: "10000",
          target: { kind: "sys", path: "class/net/eth1/tx_queue_len" },
        },
      ],
      { linkFiles },
    );
    expect(writers.map((w) => [w.setting, w.kind, w.value, w.fights])).toEqual([
      ["eth0/rings.rx", "udev", "4096", true],
      ["eth1/txqueuelen", "udev", "1000", true],
    ]);
  });
});
