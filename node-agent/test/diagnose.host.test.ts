// The accept-queue case on a real kernel, inside a network namespace: a
// listener that stops accepting, a small net.core.somaxconn and a stream of
// connections make TcpExt ListenOverflows rise; `diagnose` names the symptom and
// the remedy; applied by NetTune (and the listener restarted, as the advice
// says), the same stream overflows no more; revert restores the value.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import type { Diagnosis } from "../src/engine/diagnose.ts";
import { parseNetstat } from "../src/facts/netstat.ts";
import { Remedy, Symptom } from "../../api/v1alpha1/advice.ts";
import { Sandbox } from "../../test/harness/netns.ts";

const port = 7300;
const smallBacklog = "16";

// Accepts nothing once stopped: the kernel finishes handshakes into the queue until it is full.
const listenerScript = `require("node:net").createServer().listen({ host: "127.0.0.1", port: ${port}, backlog: 65535 }, () => console.log("listening"));`;

// 20 connections every 100 ms for the given milliseconds, each given up after 2 s.
const streamScript = (ms: number): string => `
const net = require("node:net");
let opened = 0, connected = 0;
const tick = setInterval(() => {
  for (let i = 0; i < 20; i++) {
    opened++;
    const socket = net.connect({ host: "127.0.0.1", port: ${port} }, () => connected++);
    socket.on("error", () => undefined);
    setTimeout(() => socket.destroy(), 2000);
  }
}, 100);
setTimeout(() => { clearInterval(tick); setTimeout(() => console.log(JSON.stringify({ opened, connected })), 2100); }, ${ms});
`;

let sandbox: Sandbox;
let work: string;
let listener: ChildProcess | undefined;
let machineSomaxconn: string;

async function startListener(): Promise<void> {
  listener?.kill("SIGKILL");
  const child = spawn("ip", [
    "netns",
    "exec",
    sandbox.name,
    process.execPath,
    "-e",
    listenerScript,
  ]);
  listener = child;
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", () => resolve());
    child.on("exit", (code) => reject(new Error(`listener exited with ${code}`)));
  });
  child.kill("SIGSTOP");
}

async function overflows(): Promise<number> {
  const text = (await sandbox.exec("cat", ["/proc/net/netstat"])).stdout;
  return parseNetstat(text).get("TcpExt ListenOverflows") ?? Number.NaN;
}

/** The stream of connections with `diagnose` watching it; what it advised and how many overflowed. */
async function streamWithDiagnosis(): Promise<{ diagnosis: Diagnosis; overflowed: number }> {
  const before = await overflows();
  const [diagnosed] = await Promise.all([
    sandbox.agent(["diagnose", "--window", "3", "--interval", "1", "--output", "json"]),
    sandbox.exec(process.execPath, ["-e", streamScript(8000)]),
  ]);
  expect(diagnosed.code, diagnosed.stderr).toBe(0);
  return {
    diagnosis: JSON.parse(diagnosed.stdout) as Diagnosis,
    overflowed: (await overflows()) - before,
  };
}

async function agent(command: string, file?: string): Promise<{ code: number; stderr: string }> {
  const args = [
    command,
    "--run-dir",
    path.join(work, "run"),
    "--resolv-conf",
    path.join(work, "resolv.conf"),
  ];
  return sandbox.agent(file ? [...args, "--file", file] : args);
}

beforeAll(async () => {
  machineSomaxconn = await readFile("/proc/sys/net/core/somaxconn", "utf8");
  sandbox = await Sandbox.create("ntdiag");
  work = await mkdtemp(path.join(tmpdir(), "nettune-diagnose-"));
  await writeFile(path.join(work, "resolv.conf"), "nameserver 10.96.0.10\n");
  await sandbox.exec("sysctl", ["-w", `net.core.somaxconn=${smallBacklog}`]);
});

afterAll(async () => {
  listener?.kill("SIGKILL");
  await sandbox.destroy();
  await rm(work, { recursive: true, force: true });
  expect(await readFile("/proc/sys/net/core/somaxconn", "utf8")).toBe(machineSomaxconn);
});

describe("diagnose on a real kernel: a listener's accept queue", () => {
  let remedy = "";

  it("sees ListenOverflows rise through the window and names net.core.somaxconn with a bounded value", async () => {
    await startListener();
    const { diagnosis, overflowed } = await streamWithDiagnosis();
    console.info(`somaxconn ${smallBacklog}: ${overflowed} listen overflows in one stream`);
    expect(overflowed).toBeGreaterThan(0);
    const advice = diagnosis.advice.find((a) => a.symptom === Symptom.ListenOverflows);
    expect(advice?.evidence).toMatchObject({ counter: "TcpExt ListenOverflows", windowSeconds: 3 });
    expect(advice?.evidence.delta).toBeGreaterThan(0);
    expect(advice?.remedy).toEqual({
      setting: Remedy.Somaxconn,
      value: "4096",
      current: smallBacklog,
    });
    remedy = advice?.remedy?.value ?? "";
  });

  it("with the remedy applied by NetTune and the listener restarted, the same stream overflows no more", async () => {
    const tuning = {
      apiVersion: "nettune.io/v1alpha1",
      kind: "NetworkTuning",
      metadata: { name: "remedy" },
      spec: { sysctls: { "net.core.somaxconn": remedy } },
    };
    const file = path.join(work, "remedy.yaml");
    await writeFile(file, stringify(tuning));
    const applied = await agent("apply", file);
    expect(applied.code, applied.stderr).toBe(0);
    await startListener();
    const { diagnosis, overflowed } = await streamWithDiagnosis();
    console.info(`somaxconn ${remedy}: ${overflowed} listen overflows in the same stream`);
    expect(overflowed).toBe(0);
    expect(diagnosis.advice.map((a) => a.symptom)).not.toContain(Symptom.ListenOverflows);
  });

  it("revert puts the small value back", async () => {
    const reverted = await agent("revert");
    expect(reverted.code, reverted.stderr).toBe(0);
    expect((await sandbox.exec("cat", ["/proc/sys/net/core/somaxconn"])).stdout.trim()).toBe(
      smallBacklog,
    );
  });
});
