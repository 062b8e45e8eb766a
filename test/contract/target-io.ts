// What the engine relies on from the host's targets, as steps with the
// outcome each must have. The unit tests' in-memory host and the real
// Actuator (in a network namespace, host tier) must give the same transcript.
import type { TargetIO } from "../../node-agent/src/engine/apply.ts";
import { WriteError } from "../../node-agent/src/host/actuator.ts";
import type { Target } from "../../node-agent/src/model/targets.ts";

export interface TargetIOSubject {
  io: TargetIO;
  /** A target the host has now. */
  present: Target;
  /** A value `present` takes, other than the one it holds. */
  accepted: string;
  /** A value the host refuses for `present`. */
  refused: string;
  /** A target this host does not have. */
  absent: Target;
}

/** The contract, step by step: what each step must show. */
export const targetIOContract: readonly { step: string; outcome: string }[] = [
  { step: "read a present target", outcome: "a value" },
  { step: "write a value it takes", outcome: "done" },
  { step: "read it back", outcome: "the value written" },
  { step: "write a value it refuses", outcome: "WriteError EINVAL" },
  { step: "read it after the refusal", outcome: "the value written" },
  { step: "read an absent target", outcome: "undefined" },
  { step: "write an absent target", outcome: "WriteError ENOENT" },
  { step: "an ethtool batch naming an absent device", outcome: "WriteError" },
];

/** "done", or the WriteError it raised (with its errno where the step names one). */
async function outcomeOf(action: () => Promise<unknown>, withCode = true): Promise<string> {
  try {
    await action();
    return "done";
  } catch (error) {
    if (error instanceof WriteError) return withCode ? `WriteError ${error.code}` : "WriteError";
    throw error;
  }
}

/** Runs the contract's steps on `subject`; the outcomes, named as the contract names them. */
export async function runTargetIOContract(
  subject: TargetIOSubject,
): Promise<{ step: string; outcome: string }[]> {
  const { io, present, accepted, refused, absent } = subject;
  const written = (value: string | undefined): string =>
    value === accepted ? "the value written" : `unexpected: ${String(value)}`;
  const before = await io.read(present);
  const noDevice: Target = { kind: "ethtool", device: "nosuch0", group: "rings", param: "rx" };
  return [
    { step: "read a present target", outcome: before === undefined ? "undefined" : "a value" },
    { step: "write a value it takes", outcome: await outcomeOf(() => io.write(present, accepted)) },
    { step: "read it back", outcome: written(await io.read(present)) },
    {
      step: "write a value it refuses",
      outcome: await outcomeOf(() => io.write(present, refused)),
    },
    { step: "read it after the refusal", outcome: written(await io.read(present)) },
    { step: "read an absent target", outcome: String(await io.read(absent)) },
    { step: "write an absent target", outcome: await outcomeOf(() => io.write(absent, "1")) },
    {
      step: "an ethtool batch naming an absent device",
      outcome: await outcomeOf(() => io.writeEthtool([{ target: noDevice, value: "256" }]), false),
    },
  ];
}
