import { canonicalJSON } from "../../../common/canonical-json.ts";
import type { NodeNetworkTuningSpec } from "../../../api/v1alpha1/node-network-tuning.ts";

/** A merged spec the API server refused for one node, with its words and the tunings in it. */
interface Refusal {
  spec: string;
  message: string;
  tunings: string[];
}

/**
 * Why tunings do not reach nodes although they match them: left out of a node
 * object that cannot hold them all, or a merged node object the API server
 * refused. Each tuning's status reads the problems of its matched nodes here;
 * each change says whether it changed anything, so that they are told.
 */
export class MergeProblems {
  private readonly leftOut = new Map<string, Map<string, string>>();
  private readonly refusals = new Map<string, Refusal>();
  /** The tunings a node's last merge left out, with why. */
  setLeftOut(node: string, tunings: readonly { name: string; why: string }[]): boolean {
    const before = this.leftOut.get(node);
    const after = new Map(tunings.map((t) => [t.name, t.why]));
    if (after.size === 0) this.leftOut.delete(node);
    else this.leftOut.set(node, after);
    return canonicalJSON([...(before ?? [])]) !== canonicalJSON([...after]);
  }

  /** The API server refused this spec for the node: it is not written again until it changes. */
  refused(node: string, spec: NodeNetworkTuningSpec, message: string, tunings: string[]): boolean {
    this.refusals.set(node, { spec: canonicalJSON(spec), message, tunings });
    return true;
  }

  /** Whether this exact spec was refused for the node already. */
  wasRefused(node: string, spec: NodeNetworkTuningSpec): boolean {
    return this.refusals.get(node)?.spec === canonicalJSON(spec);
  }

  /** The node's object was written: the API server took it. */
  written(node: string): boolean {
    return this.refusals.delete(node);
  }

  forgetNode(node: string): boolean {
    const leftOut = this.leftOut.delete(node);
    return this.refusals.delete(node) || leftOut;
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
