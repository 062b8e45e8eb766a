// The host the engine's unit tests apply to: targets' values in memory. It
// behaves as the real Actuator does where the engine can tell (the contract in
// test/contract/target-io.ts runs against both).
import type { TargetIO } from "../../node-agent/src/engine/apply.ts";
import { WriteError } from "../../node-agent/src/host/actuator.ts";
import { targetKey, type Target } from "../../node-agent/src/model/targets.ts";

/** A host in memory: values by target, refusals by target, and targets that ignore writes. */
export class MemoryHost implements TargetIO {
  readonly values = new Map<string, string>();
  readonly refusals = new Map<string, string>();
  /** Writes the kernel would refuse as invalid (EINVAL), as "<target key>=<value>". */
  readonly invalid = new Set<string>();
  readonly stuck = new Set<string>();
  readonly writes: string[] = [];
  /** Where each IRQ fires, by its affinity target; absent where the kernel keeps none. */
  readonly effective = new Map<string, string>();

  effectiveAffinity(target: Target): Promise<string | undefined> {
    return Promise.resolve(this.effective.get(targetKey(target)));
  }

  read(target: Target): Promise<string | undefined> {
    return Promise.resolve(this.values.get(targetKey(target)));
  }

  write(target: Target, value: string): Promise<void> {
    const key = targetKey(target);
    const code =
      this.refusals.get(key) ??
      (this.invalid.has(`${key}=${value}`) ? "EINVAL" : undefined) ??
      (this.values.has(key) ? undefined : "ENOENT");
    if (code) return Promise.reject(new WriteError(`${key}: refused (${code})`, code));
    this.writes.push(`${key}=${value}`);
    if (!this.stuck.has(key)) this.values.set(key, value);
    return Promise.resolve();
  }

  async writeEthtool(writes: readonly { target: Target; value: string }[]): Promise<void> {
    for (const { target } of writes) {
      const code = this.refusals.get(targetKey(target));
      if (code) throw new WriteError(`ethtool refused (${code})`, code);
    }
    for (const { target, value } of writes) await this.write(target, value);
  }
}
