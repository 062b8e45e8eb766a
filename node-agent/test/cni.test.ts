import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { conflicting, describeConflict, otherWriters } from "../src/engine/writer-conflicts.ts";
import { findCNI, mainPlugin, ownedByCNI, tomlString } from "../src/facts/cni.ts";
import { hostPathsUnder } from "../src/host/paths.ts";
import type { PlannedSetting } from "../src/tuners/types.ts";

// Shapes of the files CNIs install in /etc/cni/net.d.
const calico = JSON.stringify({
  name: "k8s-pod-network",
  cniVersion: "0.3.1",
  plugins: [
    { type: "calico", ipam: { type: "calico-ipam" } },
    { type: "bandwidth" },
    { type: "portmap" },
  ],
});
const bridge = JSON.stringify({
  cniVersion: "1.0.0",
  name: "bridge",
  type: "bridge",
  isGateway: true,
  ipMasq: true,
});

describe("which CNI a node runs", () => {
  it.each([
    { sentence: "a .conflist names its first plugin", text: calico, plugin: "calico" },
    { sentence: "a .conf is one plugin", text: bridge, plugin: "bridge" },
    {
      sentence: "a list without plugins is none",
      text: '{"name":"x","plugins":[]}',
      plugin: undefined,
    },
    { sentence: "text that is not JSON is none", text: "name: calico", plugin: undefined },
    {
      sentence: "a plugin without a type is none",
      text: '{"plugins":[{"name":"x"}]}',
      plugin: undefined,
    },
  ])("$sentence", ({ text, plugin }) => {
    expect(mainPlugin(text)).toBe(plugin);
  });

  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), "nettune-cni-"));
    const dir = path.join(root, "etc/cni/net.d");
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "05-broken.conflist"), "{");
    await writeFile(path.join(dir, "10-calico.conflist"), calico);
    await writeFile(path.join(dir, "99-loopback.conf"), '{"type":"loopback"}');
    await writeFile(path.join(dir, "calico-kubeconfig"), "apiVersion: v1");
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("is the first readable configuration in lexical order, as the runtime picks it", async () => {
    expect(await findCNI(hostPathsUnder(root, "/nonexistent"))).toEqual({
      file: "/etc/cni/net.d/10-calico.conflist",
      plugin: "calico",
    });
  });

  it("is none on a node without a CNI configuration directory", async () => {
    expect(
      await findCNI(hostPathsUnder(path.join(root, "absent"), "/nonexistent")),
    ).toBeUndefined();
  });
});

describe("where the container runtime reads its CNI configuration", () => {
  const cri = /^plugins\.["']io\.containerd\.(grpc\.v1\.cri|cri\.v1\.runtime)["']\.cni$/;
  it.each([
    {
      sentence: "containerd 1.x names it in the CRI plugin's cni table",
      text: '[plugins."io.containerd.grpc.v1.cri".cni]\n  bin_dir = "/opt/cni/bin"\n  conf_dir = "/var/lib/rancher/cni"\n',
      dir: "/var/lib/rancher/cni",
    },
    {
      sentence: "containerd 2.x names it in io.containerd.cri.v1.runtime, single-quoted",
      text: "[plugins.'io.containerd.cri.v1.runtime'.cni]\nconf_dir = '/etc/cni/custom' # kept\n",
      dir: "/etc/cni/custom",
    },
    {
      sentence: "a conf_dir of another table is not it",
      text: '[plugins."io.containerd.grpc.v1.cri".containerd]\nconf_dir = "/nope"\n[plugins."io.containerd.grpc.v1.cri".cni]\nbin_dir = "/x"\n',
      dir: undefined,
    },
    {
      sentence: "a file without the table leaves the default",
      text: "version = 2\n",
      dir: undefined,
    },
  ])("$sentence", ({ text, dir }) => {
    expect(tomlString(text, cri, "conf_dir")).toBe(dir);
  });

  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  it("is the running containerd's conf_dir from its --config file, read through /proc", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "nettune-containerd-"));
    await mkdir(path.join(dir, "cni"));
    await writeFile(
      path.join(dir, "cni/10-bridge.conflist"),
      JSON.stringify({ plugins: [{ type: "bridge" }] }),
    );
    await writeFile(
      path.join(dir, "containerd.toml"),
      `version = 2\n[plugins."io.containerd.grpc.v1.cri".cni]\n  conf_dir = "${dir}/cni"\n`,
    );
    // A process named containerd with containerd's flags: its /proc entry is what the agent reads.
    const containerd = spawn(
      process.execPath,
      [
        "-e",
        "console.log('up'); setTimeout(() => {}, 60000)",
        "--",
        `--config=${dir}/containerd.toml`,
      ],
      { argv0: "/usr/bin/containerd", stdio: ["ignore", "pipe", "ignore"] },
    );
    cleanups.push(async () => {
      containerd.kill();
      await rm(dir, { recursive: true, force: true });
    });
    // Its first output comes after exec: /proc shows its flags from then on.
    await new Promise((resolve) => containerd.stdout.once("data", resolve));
    // The runtime's own directory is the one read, not /etc/cni/net.d.
    expect(await findCNI(hostPathsUnder("/", "/nonexistent"))).toEqual({
      file: `${dir}/cni/10-bridge.conflist`,
      plugin: "bridge",
    });
  });
});

describe("sysctls a CNI owns", () => {
  it.each([
    ["net.ipv4.ip_forward", true],
    ["net.ipv4.conf.all.rp_filter", true],
    ["net.ipv4.conf.eth0.forwarding", true],
    ["net.ipv6.conf.all.forwarding", true],
    ["net.core.somaxconn", false],
    ["net.ipv4.conf.all.accept_redirects", false],
  ])("%s: %s", (key, owned) => {
    expect(ownedByCNI(key)).toBe(owned);
  });

  it("are reported as the CNI's, with the fix, whatever value the tuning sets", () => {
    const planned: PlannedSetting[] = [
      {
        name: "sysctl/net.ipv4.conf.all.rp_filter",
        desired: "1",
        target: { kind: "proc", path: "sys/net/ipv4/conf/all/rp_filter" },
      },
      {
        name: "sysctl/net.core.somaxconn",
        desired: "4096",
        target: { kind: "proc", path: "sys/net/core/somaxconn" },
      },
    ];
    const writers = otherWriters(planned, {
      cni: { file: "/etc/cni/net.d/10-calico.conflist", plugin: "calico" },
    });
    expect(conflicting(writers).map(describeConflict)).toEqual([
      "the CNI calico (/etc/cni/net.d/10-calico.conflist) manages sysctl/net.ipv4.conf.all.rp_filter (NetTune sets 1): leave it to the CNI: remove it from the tuning",
    ]);
  });
});
