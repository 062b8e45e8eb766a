import { canonicalJSON } from "../../common/canonical-json.ts";
import type { NodeNetworkTuningSpec } from "../../api/v1alpha1/node-network-tuning.ts";

/** A merged spec the API server refused for one node, with its words and the tunings in it. */
interface Refusal {
  spec: string;
  message: string;
  tunings: string[];
}

/**
 * Why tunings do not reach nodes although they match them: left out of a node
 * object that cannot hold them all, or a merged node object the API server
 * refused. Each tuning's status reads the problems of its matched nodes here,
 * and is told when they change.
 */
export class MergeProblems {
  private readonly leftOut = new Map<string, Map<string, string>>();
  private readonly refusals = new Map<string, Refusal>();
  private readonly onChange: () => void;

  constructor(onChange: () => void) {
    this.onChange = onChange;
  }

  /** The tunings a node's last merge left out, with why. */
  setLeftOut(node: string, tunings: readonly { name: string; why: string }[]): void {
    const before = this.leftOut.get(node);
    const after = new Map(tunings.map((t) => [t.name, t.why]));
    if (after.size === 0) this.leftOut.delete(node);
    else this.leftOut.set(node, after);
    if (canonicalJSON([...(before ?? [])]) !== canonicalJSON([...after])) this.onChange();
  }

  /** The API server refused this spec for the node: it is not written again until it changes. */
  refused(node: string, spec: NodeNetworkTuningSpec, message: string, tunings: string[]): void {
    this.refusals.set(node, { spec: canonicalJSON(spec), message, tunings });
    this.onChange();
  }

  /** Whether this exact spec was refused for the node already. */
  wasRefused(node: string, spec: NodeNetworkTuningSpec): boolean {
    return this.refusals.get(node)?.spec === canonicalJSON(spec);
  }

  /** The node's object was written: the API server took it. */
  written(node: string): void {
    if (this.refusals.delete(node)) this.onChange();
  }

  forgetNode(node: string): void {
    const had = this.leftOut.delete(node) || this.refusals.delete(node);
    if (had) this.onChange();
  }

  /** What keeps `tuning` from `nodes`, one line per node, first nodes by name. */
  of(nodes: readonly string[], tuning: string): string[] {
    const lines: string[] = [];
    for (const node of [...nodes].sort()) {
      const why = this.leftOut.get(node)?.get(tuning);
      if (why !== undefined) lines.push(`left out of node ${node}: ${why}`);
      const refusal = this.refusals.get(node);
      if (refusal?.tunings.includes(tuning))
        lines.push(`the API server refused node ${node}'s merged settings: ${refusal.message}`);
    }
    return lines;
  }
}
