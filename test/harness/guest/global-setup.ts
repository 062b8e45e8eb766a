// The nic tier must leave the machine as it found it: its guests run inside
// network namespaces of their own, and nothing of them may outlive the tier.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { assertNoLeftovers } from "../leftovers.ts";
import { differences, machineNetworkSnapshot } from "../node/machine-snapshot.ts";

const run = promisify(execFile);

export default async function setup(): Promise<() => Promise<void>> {
  const before = await machineNetworkSnapshot();
  return async () => {
    await assertNoLeftovers("nic");
    const qemu = await run("pgrep", ["-f", "qemu-system-x86_64.*nettune-guest-"]).then(
      (r) => r.stdout.trim(),
      () => "",
    );
    if (qemu !== "") throw new Error(`the nic tier left QEMU running: ${qemu}`);
    const changed = differences(before, await machineNetworkSnapshot());
    if (changed.length > 0)
      throw new Error(`the nic tier changed the machine's own network: ${changed.join(", ")}`);
  };
}
