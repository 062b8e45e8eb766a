// The nic tier must leave the machine as it found it: its guests run inside
// network namespaces of their own, and nothing of them may outlive the tier.
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { assertNoLeftovers } from "../leftovers.ts";
import { differences, machineNetworkSnapshot } from "../node/machine-snapshot.ts";

const run = promisify(execFile);

export default async function setup(): Promise<() => Promise<void>> {
  // The guest runs the machine's own root: Debian's TuneD must be there to run in it
  // (installed with its services held back; nothing of it runs on the machine).
  await run("bash", [path.join(import.meta.dirname, "../../../scripts/ensure-tuned.sh")]);
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
