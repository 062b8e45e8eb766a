// The user's whole path on a real node, as the README tells it: CRDs, a
// namespace, helm install with the chart's defaults, a tuning from examples/,
// kubectl get/describe, the values on the node, DNS in a pod's resolv.conf,
// a replaced agent, delete and restore, a deleted Node, helm uninstall.
// Runs on the node tier's real cluster, or on kind (test/e2e/kind.sh).
import { CoreV1Api, KubeConfig, type V1Pod } from "@kubernetes/client-node";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { stringify } from "yaml";
import { chartDir, helm } from "../harness/helm.ts";
import type { CommandResult } from "../harness/kubectl.ts";
import { differences, machineNetworkSnapshot } from "../harness/node/machine-snapshot.ts";
import { kubeletSysctls } from "../harness/node/node-sandbox.ts";
import { startRacingResponder } from "../harness/dns/responder.ts";
import { clusterDNS } from "../harness/node/configs.ts";
import { clusterProvider, type ClusterProvider } from "./provider.ts";
import { nodeSteps } from "./node-steps.ts";
import { settingResults } from "../../api/v1alpha1/contract.ts";
import { storageVersion } from "../../api/v1alpha1/identity.ts";
import type { NodeNetworkTuning, SettingResult } from "../../api/v1alpha1/node-network-tuning.ts";

const root = path.resolve(import.meta.dirname, "../..");
const namespace = "nettune-system";
let provider: ClusterProvider;
const {
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
} = nodeSteps(() => provider, namespace);

/** The image the chart runs, present on the node: pods of the test run it too. */
const operatorImage = (): Promise<string> =>
  jsonpath(
    ["-n", namespace, "get", "deploy", "nettune-operator"],
    "{.spec.template.spec.containers[0].image}",
  );

/** Every per-setting result the node's agent reports, as the API's reader gives them. */
async function nodeResults(): Promise<SettingResult[]> {
  const text = await ok(["get", "nnt", provider.nodeName, "-o", "json"]);
  return settingResults((JSON.parse(text) as NodeNetworkTuning).status);
}

/** A pod that sleeps, with resources when given (requests = limits makes it Guaranteed). */
function sleeperPod(
  name: string,
  podNamespace: string,
  image: string,
  resources?: Record<string, Record<string, string>>,
): Record<string, unknown> {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: podNamespace },
    spec: {
      containers: [
        {
          name,
          image,
          imagePullPolicy: "IfNotPresent",
          command: ["sleep", "3600"],
          ...(resources ? { resources } : {}),
        },
      ],
      terminationGracePeriodSeconds: 1,
    },
  };
}

/**
 * A script for `node -e` inside the agent's pod: PATCHes a NodeNetworkTuning's status with
 * the pod's own service-account token (an empty patch) and prints the HTTP status and body.
 * Under the version the agent writes: a write under v1alpha1 drops what only v1beta1 knows
 * (status.applied) until the agent's next check.
 */
function statusPatchScript(name: string): string {
  const account = "/var/run/secrets/kubernetes.io/serviceaccount";
  return `
    const { readFileSync } = require("node:fs");
    const { request } = require("node:https");
    const req = request({
      host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT,
      path: "/apis/nettune.io/${storageVersion}/nodenetworktunings/${name}/status", method: "PATCH",
      ca: readFileSync("${account}/ca.crt"),
      headers: { authorization: "Bearer " + readFileSync("${account}/token", "utf8"),
        "content-type": "application/merge-patch+json" },
    }, (res) => { let body = ""; res.on("data", (c) => (body += c));
      res.on("end", () => console.log(res.statusCode + " " + body)); });
    req.end("{}");`;
}

let before: Record<string, string>;

describe("the user's path on a real node", () => {
  beforeAll(async () => {
    provider = clusterProvider();
    before = await nodeValues();
  });

  afterAll(async () => {
    // Leave the cluster as the next run expects it, whatever failed above.
    await uninstall();
  });

  it("installs the CRDs and the chart with its defaults; the operator runs with one leader", async () => {
    await ok(["apply", "-f", path.join(root, "crds")]);
    await ok(["wait", "--for=condition=Established", "crd", "--all", "--timeout=60s"]);
    // A namespace as a user creates it, without the PodSecurity label the README asks for; the
    // cluster's default level (baseline here, as on hardened clusters) then applies to it.
    await ok(["create", "namespace", namespace]);
    if (provider.defaultPodSecurity === "privileged")
      await ok(["label", "namespace", namespace, "pod-security.kubernetes.io/enforce=baseline"]);
    const overrides = provider.helmOverrides.flatMap((o) => o.flags);
    const installed = await helm([
      "install",
      "nettune",
      chartDir,
      "-n",
      namespace,
      "--kubeconfig",
      provider.kubeconfig,
      "--wait",
      "--timeout",
      "240s",
      ...overrides,
    ]);
    expect(installed.code, installed.stderr).toBe(0);
    expect(installed.stdout).toContain(
      "kubectl label namespace nettune-system pod-security.kubernetes.io/enforce=privileged",
    );
    const ready = await jsonpath(
      ["-n", namespace, "get", "deploy", "nettune-operator"],
      "{.status.readyReplicas}/{.spec.replicas}",
    );
    expect(ready).toBe("2/2");
    const holder = await eventually("a leader", () =>
      jsonpath(
        ["-n", namespace, "get", "lease", "nettune-operator"],
        "{.spec.holderIdentity}",
      ).then((h) => h || undefined),
    );
    const pods = (
      await jsonpath(
        ["-n", namespace, "get", "pods", "-l", "app.kubernetes.io/component=operator"],
        "{.items[*].metadata.name}",
      )
    ).split(" ");
    expect(pods).toContain(holder);
  });

  it("refuses the agent pods in a namespace without the privileged level, and the tuning says why", async () => {
    await ok(["label", "node", provider.nodeName, "node.kubernetes.io/pool=web"]);
    await ok(["apply", "-f", "-"], await example("web-pool-throughput.yaml", provider.nic));
    const message = await eventually("Ready=False AgentsNotRunning", async () => {
      const reason = await jsonpath(
        ["get", "nt", "web-pool-throughput"],
        "{.status.conditions[?(@.type=='Ready')].reason}",
      );
      return reason === "AgentsNotRunning"
        ? jsonpath(
            ["get", "nt", "web-pool-throughput"],
            "{.status.conditions[?(@.type=='Ready')].message}",
          )
        : undefined;
    });
    expect(message).toContain(`agent pods are refused in namespace ${namespace}`);
    expect(message).toMatch(/PodSecurity "(baseline|restricted):/);
    const described = await ok(["describe", "nt", "web-pool-throughput"]);
    expect(described).toMatch(/Warning\s+AgentsNotRunning/);
  });

  it("starts the agent through the DaemonSet once the namespace is privileged: Ready 1/1", async () => {
    await ok([
      "label",
      "namespace",
      namespace,
      "pod-security.kubernetes.io/enforce=privileged",
      "--overwrite",
    ]);
    await eventually("an agent pod Running", () => agentPod().then((p) => p || undefined), 240_000);
    await eventually("web-pool-throughput Ready 1/1", async () => {
      const state = await tuningReady("web-pool-throughput");
      return /^True 1\/1 (\d+)=\1$/.test(state) || undefined;
    });
    const table = await ok(["get", "nt", "web-pool-throughput"]);
    expect(table).toMatch(/web-pool-throughput\s+True\s+1\/1\s+Enforce/);
  });

  it("runs the agent privileged as the chart's service account, held to its own node by the admission policy", async () => {
    const pod = await agentPod();
    const spec = JSON.parse(await ok(["-n", namespace, "get", "pod", pod, "-o", "json"])) as {
      spec: {
        serviceAccountName: string;
        hostNetwork: boolean;
        nodeName: string;
        containers: { securityContext: { privileged: boolean } }[];
      };
      metadata: { ownerReferences: { kind: string }[] };
    };
    expect(spec.spec.serviceAccountName).toBe("nettune-agent");
    expect(spec.spec.hostNetwork).toBe(true);
    expect(spec.spec.nodeName).toBe(provider.nodeName);
    expect(spec.spec.containers[0]?.securityContext.privileged).toBe(true);
    expect(spec.metadata.ownerReferences[0]?.kind).toBe("DaemonSet");
    // The agent's own token, from inside its pod: its node's object yes, another node's no.
    const token = (
      await ok([
        "-n",
        namespace,
        "exec",
        pod,
        "--",
        "cat",
        "/var/run/secrets/kubernetes.io/serviceaccount/token",
      ])
    ).trim();
    const asAgent = (args: string[]): Promise<CommandResult> =>
      kubectl([`--token=${token}`, ...args]);
    expect((await asAgent(["get", "nnt", provider.nodeName])).code).toBe(0);
    const anotherNode = stringify({
      apiVersion: "nettune.io/v1alpha1",
      kind: "NodeNetworkTuning",
      metadata: { name: "another-node" },
      spec: {},
    });
    // Only the operator writes a node's desired state: not even the cluster admin may.
    const byAdmin = await kubectl(["apply", "-f", "-"], anotherNode);
    expect(byAdmin.code).not.toBe(0);
    expect(byAdmin.stderr).toContain("only the NetTune operator writes what a node should have");
    await ok(
      ["apply", `--as=system:serviceaccount:${namespace}:nettune-operator`, "-f", "-"],
      anotherNode,
    );
    // The agent's status write, as the agent makes it (a PATCH of the status subresource).
    const patchStatus = (name: string): Promise<string> =>
      ok(["-n", namespace, "exec", pod, "--", "node", "-e", statusPatchScript(name)]);
    expect(await patchStatus(provider.nodeName)).toMatch(/^200\b/);
    const denied = await patchStatus("another-node");
    expect(denied).toMatch(/^403\b/);
    expect(denied).toContain(
      `the node agent of ${provider.nodeName} may not write nodenetworktunings another-node`,
    );
    expect(
      (await asAgent(["delete", "nt", "web-pool-throughput", "--dry-run=server"])).stderr,
    ).toContain("forbidden");
    await ok(["delete", "nnt", "another-node"]);
  });

  it("sets the values in the node's own network namespace", async () => {
    const nic = provider.nic;
    const on = async (program: string, args: string[]): Promise<string> =>
      (await provider.onNode(program, args)).stdout.trim();
    expect(await on("cat", [`/sys/class/net/${nic}/tx_queue_len`])).toBe("10000");
    expect(await on("cat", ["/proc/sys/net/core/somaxconn"])).toBe("8192");
    expect(await on("cat", ["/proc/sys/net/ipv4/tcp_rmem"])).toBe("4096\t131072\t16777216");
    expect(await on("ethtool", ["-k", nic])).toMatch(/generic-receive-offload: on/);
    expect(await on("cat", [`/sys/class/net/${nic}/queues/rx-0/rps_flow_cnt`])).not.toBe("0");
    const settings = await nodeResults();
    const budget = settings.find((s) => s.name === "sysctl/net.core.netdev_budget");
    if (provider.name === "node-tier")
      expect(budget).toMatchObject({ state: "Skipped", reason: "ReadOnlyInNamespace" });
    // The agent wrote the node's inventory apart, with the chart's rights, owned by the Node.
    const inventory = await eventually("the node's NodeNetworkInventory", async () => {
      const text = await jsonpath(
        ["get", "nni", provider.nodeName],
        "{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name} {.status.interfaces[*].name}",
      );
      return text.includes(nic) ? text : undefined;
    });
    expect(inventory).toMatch(new RegExp(`^Node/${provider.nodeName} `));
  });

  it("ships a working CLI in the image: inventory and a plan of the example, writing nothing", async () => {
    const pod = await agentPod();
    const cli = (args: string[], input?: string): Promise<string> =>
      ok(["-n", namespace, "exec", ...(input ? ["-i"] : []), pod, "--", ...args], input);
    expect(await cli(["nettune-agent", "--help"])).toContain("usage: nettune-agent");
    const inventory = JSON.parse(
      await cli(["nettune-agent-cli", "inventory", "--root", "/host", "--output", "json"]),
    ) as { interfaces?: { name: string }[] };
    expect(inventory.interfaces?.map((i) => i.name)).toContain(provider.nic);
    const plan = JSON.parse(
      await cli(
        [
          "nettune-agent-cli",
          "plan",
          "--file",
          "-",
          "--root",
          "/host",
          "--run-dir",
          "/tmp/cli-plan",
          "--output",
          "json",
        ],
        await example("web-pool-throughput.yaml", provider.nic),
      ),
    ) as { results: { name: string; state: string }[] };
    // The agent applied this very tuning: nothing is left to change.
    expect(plan.results.find((r) => r.name === `${provider.nic}/txqueuelen`)?.state).toBe(
      "Applied",
    );
    expect(plan.results.some((r) => r.state === "WouldChange")).toBe(false);
  });

  it("diagnoses the node through kubectl debug with the image, as the README says", async () => {
    const image = await jsonpath(
      ["-n", namespace, "get", "pod", await agentPod()],
      "{.spec.containers[0].image}",
    );
    const started = await kubectl([
      ...["-n", namespace, "debug", `node/${provider.nodeName}`, "--profile=sysadmin"],
      ...[`--image=${image}`, "--image-pull-policy=IfNotPresent", "--"],
      ...["nettune-agent-cli", "diagnose", "--root", "/host", "--window", "2", "--interval", "1"],
      ...["--output", "json"],
    ]);
    expect(started.code, started.stderr).toBe(0);
    // kubectl says "Creating debugging pod NAME with container debugger on node NODE."
    const name = /debugging pod (\S+) with/.exec(started.stdout + started.stderr)?.[1] ?? "";
    expect(name).not.toBe("");
    await eventually("the debug pod Succeeded", () =>
      jsonpath(["-n", namespace, "get", "pod", name], "{.status.phase}").then(
        (phase) => phase === "Succeeded" || phase === "Failed" || undefined,
      ),
    );
    const diagnosis = JSON.parse(await ok(["-n", namespace, "logs", name])) as {
      windowSeconds: number;
      advice: unknown[];
      unknown: string[];
    };
    await ok(["-n", namespace, "delete", "pod", name, "--wait=false"]);
    expect(diagnosis.windowSeconds).toBe(2);
    expect(Array.isArray(diagnosis.advice)).toBe(true);
    // The node's own kernel has every counter the detectors read.
    expect(diagnosis.unknown).toEqual([]);
  });

  it("shows what the agent did on the node among the Node's Events, from the agent's own account", async () => {
    const told =
      /Normal\s+Applied\s+.*nettune\.io\/node-agent\s+generation \d+: \d+\/\d+ settings hold/;
    await eventually(
      "the agent's Applied Event on its Node",
      async () => told.test(await ok(["describe", "node", provider.nodeName])) || undefined,
      30_000,
    );
    const related = await ok([
      "get",
      "events.events.k8s.io",
      "-n",
      "default",
      "--field-selector",
      `reportingController=nettune.io/node-agent,regarding.kind=NodeNetworkTuning,regarding.name=${provider.nodeName}`,
      "-o",
      "jsonpath={.items[*].reason}",
    ]);
    expect(related.split(" ")).toContain("Applied");
    const pod = await agentPod();
    expect(await agentMetric(pod, "nettune_agent_events_total", 'result="failed"')).toBe(0);
    expect(
      await agentMetric(pod, "nettune_agent_events_total", 'result="created"'),
    ).toBeGreaterThan(0);
  });

  it("shows conditions and Events in kubectl describe, and one result per setting", async () => {
    const tuning = await ok(["describe", "nt", "web-pool-throughput"]);
    // describe prints a condition's fields in alphabetical order.
    expect(tuning).toMatch(/Reason:\s+Applied\s+Status:\s+True\s+Type:\s+Ready/);
    expect(tuning).toMatch(/Normal\s+Applied\s+.*1\/1 nodes applied/);
    const node = await ok(["describe", "nnt", provider.nodeName]);
    const settings = await nodeResults();
    expect(settings.length, JSON.stringify(settings)).toBeGreaterThan(10);
    for (const setting of settings) expect(node, node).toContain(setting.name);
    const table = await ok(["get", "nnt"]);
    expect(table).toMatch(
      new RegExp(`${provider.nodeName}\\s+True\\s+False\\s+web-pool-throughput`),
    );
  });

  it("puts the DNS options into a ClusterFirst pod's resolv.conf, written by the kubelet", async () => {
    await ok(["apply", "-f", "-"], await example("dns-5s-fix.yaml"));
    await eventually(
      "dns-5s-fix Ready",
      async () => /^True 1\/1 (\d+)=\1$/.test(await tuningReady("dns-5s-fix")) || undefined,
    );
    await ok(["create", "namespace", "shop"]);
    const pod = sleeperPod("web", "shop", await operatorImage());
    await ok(["apply", "-f", "-"], stringify(pod));
    await ok(["-n", "shop", "wait", "--for=condition=Ready", "pod/web", "--timeout=120s"]);
    const resolv = await ok(["-n", "shop", "exec", "web", "--", "cat", "/etc/resolv.conf"]);
    expect(resolv).toMatch(/^options .*single-request-reopen/m);
    expect(resolv).toMatch(/^options .*timeout:2/m);
    expect(resolv).toMatch(/^options .*attempts:3/m);
    expect(
      await ok([
        "-n",
        "shop",
        "get",
        "pod",
        "web",
        "-o",
        "jsonpath={.metadata.annotations.nettune\\.io/dns-options-injected}",
      ]),
    ).toContain("dns-5s-fix");
    expect((await provider.onNode("cat", ["/etc/resolv.conf"])).stdout).toMatch(
      /^options .*single-request-reopen timeout:2 attempts:3/m,
    );
    await ok(["delete", "namespace", "shop", "--wait=false"]);
  });

  // The conntrack race itself needs DNAT to a DNS Service; here a responder at the
  // cluster DNS address loses what the race loses (test/harness/dns/racing-responder.ts),
  // and glibc in the pods, with the resolv.conf the kubelet wrote, does the rest.
  it("the DNS 5-second stall: a pod without the options waits about 5 s for a name, one with the options injected well under 1 s", async (context) => {
    // On kind the cluster DNS address belongs to CoreDNS behind kube-proxy.
    if (provider.name !== "node-tier") context.skip();
    const image = await operatorImage();
    const lookupMs = async (ns: string, labels: Record<string, string>): Promise<number> => {
      await ok(
        ["apply", "-f", "-"],
        stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns, labels } }),
      );
      await ok(["apply", "-f", "-"], stringify(sleeperPod("lookup", ns, image)));
      await ok(["-n", ns, "wait", "--for=condition=Ready", "pod/lookup", "--timeout=120s"]);
      const script =
        "a=$(date +%s%N); getent ahosts stall.example. >/dev/null; b=$(date +%s%N); echo $(((b - a) / 1000000))";
      return Number(await ok(["-n", ns, "exec", "lookup", "--", "sh", "-c", script]));
    };
    const responder = await startRacingResponder(
      (program, args) => provider.onNode(program, args),
      clusterDNS,
      "/tmp/nettune-racing-responder.log",
    );
    try {
      const without = await lookupMs("dns-plain", { "nettune.io/dns-options": "disabled" });
      const withOptions = await lookupMs("dns-fixed", {});
      const counts = await responder.stop();
      console.info(
        `getent ahosts with a lost second query: ${without} ms without the options, ${withOptions} ms with them (responder ${JSON.stringify(counts)})`,
      );
      expect(without).toBeGreaterThanOrEqual(4500);
      expect(withOptions).toBeLessThan(1000);
      expect(counts.lost).toBeGreaterThan(0);
    } finally {
      await responder.stop().catch(() => undefined);
      await ok(["delete", "namespace", "dns-plain", "dns-fixed", "--wait=false"]);
    }
  });

  it("with both operator replicas frozen and 40 tunings with dns.pods, pods in kube-system and in a selected namespace are created within one webhook timeout plus 1 s", async () => {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(provider.kubeconfig);
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const image = await operatorImage();
    /** Creates a pod straight from this process (no kubectl start-up in the timing). */
    const timedPod = async (ns: string): Promise<{ seconds: number; pod: V1Pod }> => {
      const body = {
        ...sleeperPod("sleeper", ns, image),
        metadata: {
          generateName: "frozen-",
          namespace: ns,
          labels: { "nettune.io/test": "frozen" },
        },
      } as unknown as V1Pod;
      const started = performance.now();
      const pod = await core.createNamespacedPod({ namespace: ns, body });
      return { seconds: (performance.now() - started) / 1000, pod };
    };
    const options = (pod: V1Pod): string[] =>
      (pod.spec?.dnsConfig?.options ?? []).map((o) => `${o.name}${o.value ? `:${o.value}` : ""}`);
    await ok(["create", "namespace", "frozen-web"]);
    await ok(["label", "namespace", "frozen-web", "team=web"]);
    const many = Array.from({ length: 40 }, (_, i) => ({
      apiVersion: "nettune.io/v1alpha1",
      kind: "NetworkTuning",
      metadata: { name: `frozen-${i}` },
      spec: {
        nodeSelector: { matchLabels: { pool: "none" } },
        priority: -1 - i,
        dns: { pods: { namespaceSelector: { matchLabels: { team: "web" } }, ndots: 2 } },
      },
    }));
    await ok(["apply", "-f", "-"], stringify({ apiVersion: "v1", kind: "List", items: many }));
    await eventually("pods in frozen-web get the options of 40 tunings", async () =>
      options((await timedPod("frozen-web")).pod).includes("ndots:2"),
    );
    // Every operator process on the node, both replicas: the container's own command line.
    const operators = ["-f", "/app/dist/operator/src/main.js"];
    expect((await provider.onNode("pkill", ["-STOP", ...operators])).code).toBe(0);
    const frozen: Record<string, number> = {};
    try {
      for (const ns of ["kube-system", "frozen-web"]) {
        const { seconds, pod } = await timedPod(ns);
        frozen[ns] = seconds;
        expect(options(pod)).toEqual([]);
      }
    } finally {
      await provider.onNode("pkill", ["-CONT", ...operators]);
    }
    console.log(`pod creation with both operator replicas frozen: ${JSON.stringify(frozen)} s`);
    for (const seconds of Object.values(frozen)) expect(seconds).toBeLessThan(2 + 1);
    // Thawed, new pods get their options again.
    await eventually("pods get their options again once thawed", async () =>
      options((await timedPod("frozen-web")).pod).includes("ndots:2"),
    );
    await ok(["delete", "nt", ...many.map((t) => t.metadata.name), "--timeout=120s"]);
    await ok(["delete", "namespace", "frozen-web", "--wait=false"]);
    await ok([
      "-n",
      "kube-system",
      "delete",
      "pods",
      "-l",
      "nettune.io/test=frozen",
      "--wait=false",
    ]);
  });

  it("replaces a killed agent pod; the new agent writes nothing that is right and keeps the originals", async () => {
    const originals = (await provider.onNode("cat", ["/run/nettune/originals.json"])).stdout;
    expect(originals).toContain("tx_queue_len");
    const old = await agentPod();
    await ok(["-n", namespace, "delete", "pod", old, "--wait=true"]);
    const fresh = await eventually("a new agent pod", async () => {
      const pod = await agentPod();
      return pod && pod !== old ? pod : undefined;
    });
    // Its first check has run once it has reported at least once.
    await eventually(
      "the new agent's first check",
      async () =>
        (await agentMetric(fresh, "nettune_agent_apply_duration_seconds_count")) >= 1 || undefined,
    );
    expect(await agentMetric(fresh, "nettune_agent_host_writes_total")).toBe(0);
    expect((await provider.onNode("cat", ["/run/nettune/originals.json"])).stdout).toBe(originals);
    expect(await tuningReady("web-pool-throughput")).toMatch(/^True 1\/1/);
  });

  it("keeps packet steering on the kubelet's shared CPUs as a Guaranteed pod takes one, and names the CNI beside rp_filter", async () => {
    const nic = provider.nic;
    const rpsMask = async (): Promise<string> =>
      (await provider.onNode("cat", [`/sys/class/net/${nic}/queues/rx-0/rps_cpus`])).stdout.trim();
    const rpFilter = (): Promise<string> =>
      provider.onNode("cat", ["/proc/sys/net/ipv4/conf/all/rp_filter"]).then((r) => r.stdout);
    const rpFilterBefore = await rpFilter();
    // Every IRQ's affinity on the node, "N cpus" per line, to find them restored.
    const irqAffinities = async (): Promise<string> =>
      (
        await provider.onNode("sh", [
          "-c",
          "for d in /proc/irq/[0-9]*; do echo ${d##*/} $(cat $d/smp_affinity_list); done",
        ])
      ).stdout;
    const irqsBefore = await irqAffinities();
    const tuning = {
      apiVersion: "nettune.io/v1beta1",
      kind: "NetworkTuning",
      metadata: { name: "steer-off-isolated" },
      spec: {
        nodeSelector: { matchLabels: { "node.kubernetes.io/pool": "web" } },
        priority: 20,
        interfaces: [
          { match: { names: [nic], physicalOnly: false }, rps: { cpus: "housekeeping" } },
        ],
        deviceIRQs: { cpus: "housekeeping" },
        sysctls: { "net.ipv4.conf.all.rp_filter": "2" },
        allowSecuritySensitiveSysctls: true,
      },
    };
    await ok(["apply", "-f", "-"], stringify(tuning));
    await eventually(
      "steer-off-isolated Ready",
      async () => /^True 1\/1 (\d+)=\1$/.test(await tuningReady("steer-off-isolated")) || undefined,
    );
    // The CNI is found from the running containerd's own configuration, wherever it keeps it.
    const conflict = await jsonpath(
      ["get", "nnt", provider.nodeName],
      "{.status.conditions[?(@.type=='Conflicting')].status} {.status.conditions[?(@.type=='Conflicting')].message}",
    );
    expect(conflict).toMatch(
      /^True .*the CNI bridge \(.*\.conflist\) manages sysctl\/net\.ipv4\.conf\.all\.rp_filter/,
    );
    const settings = await nodeResults();
    expect(settings.find((s) => s.name === "sysctl/net.ipv4.conf.all.rp_filter")).toMatchObject({
      alsoWrittenBy: ["cni"],
    });
    // The affinities of the device IRQs the agent reports placed now (the kernel refuses to
    // move those it manages: they are reported Unsupported, KernelManagedIRQ, not placed).
    const deviceIRQs = async (): Promise<string[]> => {
      const settings = await nodeResults();
      const placed = settings.filter((s) => /^irq\/\d+$/.test(s.name) && s.state === "Applied");
      const now = new Map(
        (await irqAffinities())
          .trim()
          .split("\n")
          .map((l) => l.split(" ") as [string, string]),
      );
      return [...new Set(placed.map((s) => now.get(s.name.slice(4)) ?? "gone"))];
    };
    if (provider.cpuManagerPolicy === "static") {
      // Every CPU is shared until a Guaranteed pod takes one; CPU 0 is the kubelet's reserve.
      expect(await rpsMask()).toBe("3");
      expect(await deviceIRQs()).toEqual(["0-1"]);
      const cpu = { cpu: "1", memory: "64Mi" };
      const pinned = sleeperPod("pinned", "default", await operatorImage(), {
        requests: cpu,
        limits: cpu,
      });
      await ok(["apply", "-f", "-"], stringify(pinned));
      await ok(["wait", "--for=condition=Ready", "pod/pinned", "--timeout=120s"]);
      expect(await ok(["get", "pod", "pinned", "-o", "jsonpath={.status.qosClass}"])).toBe(
        "Guaranteed",
      );
      await eventually(
        "RPS off the pinned pod's CPU 1",
        async () => (await rpsMask()) === "1" || undefined,
        60_000,
      );
      await eventually(
        "device IRQs off the pinned pod's CPU 1",
        async () => (await deviceIRQs()).join() === "0" || undefined,
        60_000,
      );
      await ok(["delete", "pod", "pinned", "--timeout=60s"]);
      await eventually(
        "RPS on both CPUs again",
        async () => (await rpsMask()) === "3" || undefined,
        60_000,
      );
      await eventually(
        "device IRQs on both CPUs again",
        async () => (await deviceIRQs()).join() === "0-1" || undefined,
        60_000,
      );
    }

    await ok(["delete", "nt", "steer-off-isolated", "--timeout=180s"]);
    expect(await rpFilter()).toBe(rpFilterBefore);
    expect(await irqAffinities()).toBe(irqsBefore);
  });

  it("restores every value on kubectl delete and releases the finalizer", async () => {
    await ok(["delete", "nt", "web-pool-throughput", "dns-5s-fix", "--timeout=180s"]);
    expect(await ok(["get", "nt", "-o", "name"])).toBe("");
    expect(await nodeValues()).toEqual(before);
  });

  it("garbage-collects a deleted Node's NodeNetworkTuning; back, the node is tuned again", async () => {
    // A tuning for every node, so that the node has a NodeNetworkTuning and gets one again.
    await ok(["apply", "-f", "-"], await example("dns-5s-fix.yaml"));
    await eventually(
      "dns-5s-fix Ready",
      async () => /^True 1\/1 (\d+)=\1$/.test(await tuningReady("dns-5s-fix")) || undefined,
    );
    const uid = await jsonpath(["get", "nnt", provider.nodeName], "{.metadata.uid}");
    expect(uid).not.toBe("");
    await ok(["delete", "node", provider.nodeName]);
    await eventually(
      "the NodeNetworkTuning collected",
      async () => (await kubectl(["get", "nnt", provider.nodeName])).code !== 0 || undefined,
      120_000,
    );
    await provider.restartKubelet();
    await eventually("the Node registered again and Ready", async () => {
      const ready = await jsonpath(
        ["get", "node", provider.nodeName],
        "{.status.conditions[?(@.type=='Ready')].status}",
      );
      return ready === "True" || undefined;
    });
    const again = await eventually("a new NodeNetworkTuning", () =>
      jsonpath(["get", "nnt", provider.nodeName], "{.metadata.uid}").then((u) => u || undefined),
    );
    expect(again).not.toBe(uid);
    await eventually(
      "dns-5s-fix Ready on the node registered again",
      async () => /^True 1\/1/.test(await tuningReady("dns-5s-fix")) || undefined,
      240_000,
    );
    expect((await provider.onNode("cat", ["/etc/resolv.conf"])).stdout).toMatch(
      /^options .*single-request-reopen timeout:2 attempts:3/m,
    );
  });

  it("helm uninstall reverts the node and leaves no pod, DaemonSet, webhook, Secret, Lease or finalizer", async () => {
    await ok(["label", "node", provider.nodeName, "node.kubernetes.io/pool=web", "--overwrite"]);
    await ok(["apply", "-f", "-"], await example("web-pool-throughput.yaml", provider.nic));
    await eventually(
      "web-pool-throughput Ready again",
      async () => /^True 1\/1/.test(await tuningReady("web-pool-throughput")) || undefined,
      240_000,
    );
    expect(await nodeValues()).not.toEqual(before);
    const uninstalled = await uninstall();
    expect(uninstalled.code, uninstalled.stderr).toBe(0);
    await eventually(
      "no NetTune pod left",
      async () => (await ok(["-n", namespace, "get", "pods", "-o", "name"])) === "" || undefined,
      120_000,
    );
    expect(
      await ok([
        "-n",
        namespace,
        "get",
        "daemonsets,deployments,leases,secrets,jobs",
        "-o",
        "name",
      ]),
    ).toBe("");
    expect((await kubectl(["get", "mutatingwebhookconfiguration", "nettune-dns"])).code).not.toBe(
      0,
    );
    expect(await ok(["get", "nt", "-o", "name"])).toBe("");
    expect(await nodeValues()).toEqual(before);
  });

  it("leaves the machine's own network settings as they were", async () => {
    if (provider.name !== "node-tier") return;
    const snapshot = JSON.parse(inject("machineSnapshot")) as Record<string, string>;
    const now = await machineNetworkSnapshot();
    // While the node runs, its namespace is listed and the kubelet holds the three kernel
    // settings it sets; the tier's end restores those and compares everything again.
    const whileRunning = new Set(["ip netns", ...kubeletSysctls.map((key) => `sysctl ${key}`)]);
    expect(differences(snapshot, now).filter((key) => !whileRunning.has(key))).toEqual([]);
  });
});
