// The steps the node-tier tests take on the real cluster: kubectl and helm
// through the provider, polling, the node's values read on the node, and the
// agent's metrics scraped in its pod. One set per test file and namespace.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse, stringify } from "yaml";
import { kubectl as kubectlOn, type CommandResult } from "../harness/kubectl.ts";
import { helm } from "../harness/helm.ts";
import { waitUntil } from "../harness/wait.ts";
import type { ClusterProvider } from "./provider.ts";

const root = path.resolve(import.meta.dirname, "../..");

export type NodeSteps = ReturnType<typeof nodeSteps>;

// eslint-disable-next-line @typescript-eslint/explicit-module-boundary-types -- the steps' own types
export function nodeSteps(provider: () => ClusterProvider, namespace: string) {
  const kubectl = (args: string[], input?: string): Promise<CommandResult> =>
    kubectlOn(provider(), args, input);

  async function ok(args: string[], input?: string): Promise<string> {
    const result = await kubectl(args, input);
    if (result.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${result.stderr}`);
    return result.stdout;
  }

  /** Polled every second, three minutes at most unless said otherwise. */
  const eventually = <T>(
    what: string,
    check: () => Promise<T | undefined | false>,
    timeoutMs = 180_000,
  ): Promise<T> => waitUntil(what, check, timeoutMs, 1000);

  const jsonpath = (args: string[], path: string): Promise<string> =>
    kubectl([...args, "-o", `jsonpath=${path}`]).then((r) => (r.code === 0 ? r.stdout : ""));

  /** An example from examples/, its interface matched by the node's NIC name (nothing else changed). */
  async function example(file: string, nic?: string): Promise<string> {
    const tuning = parse(await readFile(path.join(root, "examples", file), "utf8")) as {
      spec: { interfaces?: { match: Record<string, unknown> }[] };
    };
    for (const entry of tuning.spec.interfaces ?? [])
      entry.match = { names: [nic ?? ""], physicalOnly: false };
    return stringify(tuning);
  }

  /** The node's values a tuning here can change, read on the node itself. */
  async function nodeValues(): Promise<Record<string, string>> {
    const values: Record<string, string> = {};
    const read = async (program: string, args: string[]): Promise<void> => {
      values[`${program} ${args.join(" ")}`] = (await provider().onNode(program, args)).stdout;
    };
    const nic = provider().nic;
    await read("cat", [`/sys/class/net/${nic}/tx_queue_len`]);
    await read("sh", [
      "-c",
      `grep . /sys/class/net/${nic}/queues/*/*_cpus /sys/class/net/${nic}/queues/rx-*/rps_flow_cnt`,
    ]);
    await read("ethtool", ["-k", nic]);
    await read("ethtool", ["-l", nic]);
    await read("cat", [
      "/proc/sys/net/core/somaxconn",
      "/proc/sys/net/ipv4/tcp_rmem",
      "/proc/sys/net/ipv4/tcp_wmem",
    ]);
    await read("cat", [
      "/proc/sys/net/netfilter/nf_conntrack_udp_timeout",
      "/proc/sys/net/netfilter/nf_conntrack_udp_timeout_stream",
    ]);
    await read("cat", ["/etc/resolv.conf"]);
    return values;
  }

  const agentPod = (): Promise<string> =>
    jsonpath(
      ["-n", namespace, "get", "pods", "-l", "app.kubernetes.io/component=node-agent"],
      "{.items[?(@.status.phase=='Running')].metadata.name}",
    );

  /** A metric of the agent, scraped inside its pod: a hostNetwork pod may have no address to proxy to. */
  async function agentMetric(pod: string, name: string, label?: string): Promise<number> {
    const scrape =
      "fetch('http://127.0.0.1:9464/metrics').then((r) => r.text()).then((t) => process.stdout.write(t))";
    const text = await ok(["-n", namespace, "exec", pod, "--", "node", "-e", scrape]);
    // The sum over every series of the metric, whatever its labels.
    const series = text
      .split("\n")
      .filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
      .filter((l) => label === undefined || l.includes(label));
    if (series.length === 0) return Number.NaN;
    return series.reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
  }

  /** helm uninstall as the README says it: it waits until every node has its values back. */
  const uninstall = (): Promise<CommandResult> =>
    helm([
      "uninstall",
      "nettune",
      "-n",
      namespace,
      "--kubeconfig",
      provider().kubeconfig,
      "--wait",
      "--timeout",
      "300s",
    ]);

  const tuningReady = (name: string): Promise<string> =>
    jsonpath(
      ["get", "nt", name],
      "{.status.conditions[?(@.type=='Ready')].status} {.status.nodes} {.status.observedGeneration}={.metadata.generation}",
    );

  return {
    kubectl,
    ok,
    eventually,
    jsonpath,
    example,
    nodeValues,
    agentPod,
    agentMetric,
    uninstall,
    tuningReady,
  };
}
