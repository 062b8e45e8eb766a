// The target contract on the real Actuator, run inside a network namespace
// (test/contract/target-io.host.test.ts): somaxconn is the namespace's own, so
// the machine's value is never touched. Prints the transcript as JSON.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Actuator } from "../../node-agent/src/host/actuator.ts";
import { execRunner } from "../../node-agent/src/host/commands.ts";
import { Ethtool } from "../../node-agent/src/host/ethtool.ts";
import { hostPathsUnder } from "../../node-agent/src/host/paths.ts";
import { runTargetIOContract } from "./target-io.ts";

const runDir = await mkdtemp(path.join(tmpdir(), "nettune-target-io-"));
try {
  const io = new Actuator(hostPathsUnder("/", runDir), new Ethtool(execRunner()));
  const transcript = await runTargetIOContract({
    io,
    present: { kind: "proc", path: "sys/net/core/somaxconn" },
    accepted: "1234",
    refused: "not-a-number",
    absent: { kind: "sys", path: "class/net/nosuch0/tx_queue_len" },
  });
  process.stdout.write(JSON.stringify(transcript));
} finally {
  await rm(runDir, { recursive: true, force: true });
}
