import { inject, describe, expect, it } from "vitest";
import { readdirSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse, stringify } from "yaml";
import { loadKindSchema } from "../../api/helpers/crd-schemas.ts";
import { SchemaValidator } from "../../api/helpers/validate.ts";
import { compileStructural } from "../../api/helpers/structural-schema.ts";
import { kubectl, type KubectlTarget } from "../harness/kubectl.ts";

const target: KubectlTarget = {
  kubeconfig: inject("kubeconfig"),
  kubectlPath: inject("kubectlPath"),
};

type Spec = Record<string, unknown>;

const examplesDir = path.resolve(import.meta.dirname, "../../examples");
const examples = readdirSync(examplesDir)
  .filter((file) => file.endsWith(".yaml"))
  .map((file) => path.join(examplesDir, file));

/** An interface entry with a valid match, plus the settings under test. */
const iface = (settings: Spec): Spec => ({ match: { names: ["eth0"] }, ...settings });
const ifaces = (settings: Spec): Spec => ({ interfaces: [iface(settings)] });

interface InvalidCase {
  name: string;
  spec: Spec | undefined;
  /** A field path the server's message must name. */
  field: string;
}

const invalidSpecs: InvalidCase[] = [
  { name: "priority above 1000", spec: { priority: 5000 }, field: "spec.priority" },
  {
    name: "an autoTune cool-down under 10 s",
    spec: { autoTune: { ceilings: { somaxconn: 4096 }, coolDownSeconds: 1 } },
    field: "spec.autoTune.coolDownSeconds",
  },
  {
    name: "an autoTune ceiling for somaxconn above 65535",
    spec: { autoTune: { ceilings: { somaxconn: 100000 } } },
    field: "spec.autoTune.ceilings.somaxconn",
  },
  {
    name: "a mode that is neither Enforce nor Audit",
    spec: { mode: "Sometimes" },
    field: "spec.mode",
  },
  {
    name: "maxUnavailable over 100%",
    spec: { rollout: { maxUnavailable: "150%" } },
    field: "spec.rollout.maxUnavailable",
  },
  {
    name: "negative maxUnavailable",
    spec: { rollout: { maxUnavailable: -1 } },
    field: "spec.rollout.maxUnavailable",
  },
  {
    name: "maxUnavailable as a word",
    spec: { rollout: { maxUnavailable: "ten" } },
    field: "spec.rollout.maxUnavailable",
  },
  {
    name: "an interface match with no criterion",
    spec: { interfaces: [{ match: {}, txQueueLength: 1000 }] },
    field: "spec.interfaces[0].match",
  },
  {
    name: "an interface named ..",
    spec: { interfaces: [{ match: { names: [".."] } }] },
    field: "spec.interfaces[0].match.names[0]",
  },
  {
    name: "an interface name that climbs out of sysfs",
    spec: { interfaces: [{ match: { names: ["a/../../etc"] } }] },
    field: "spec.interfaces[0].match.names[0]",
  },
  {
    name: "an interface name over 15 characters",
    spec: { interfaces: [{ match: { names: ["abcdefghijklmnop"] } }] },
    field: "spec.interfaces[0].match.names[0]",
  },
  {
    name: "a name pattern with a slash",
    spec: { interfaces: [{ match: { namePattern: "eth*/x" } }] },
    field: "spec.interfaces[0].match.namePattern",
  },
  {
    name: "combined channels together with rx",
    spec: ifaces({ channels: { combined: 4, rx: 2 } }),
    field: "spec.interfaces[0].channels",
  },
  {
    name: "zero combined channels",
    spec: ifaces({ channels: { combined: 0 } }),
    field: "spec.interfaces[0].channels.combined",
  },
  {
    name: "channels as an unknown word",
    spec: ifaces({ channels: { combined: "lots" } }),
    field: "spec.interfaces[0].channels.combined",
  },
  {
    name: "an empty channels block",
    spec: ifaces({ channels: {} }),
    field: "spec.interfaces[0].channels",
  },
  {
    name: "an RX ring over 65536",
    spec: ifaces({ rings: { rx: 100000 } }),
    field: "spec.interfaces[0].rings.rx",
  },
  {
    name: "negative rx-usecs",
    spec: ifaces({ coalesce: { rxUsecs: -5 } }),
    field: "spec.interfaces[0].coalesce.rxUsecs",
  },
  {
    name: "an empty coalesce block",
    spec: ifaces({ coalesce: {} }),
    field: "spec.interfaces[0].coalesce",
  },
  {
    name: "an offload name with capitals and punctuation",
    spec: ifaces({ offloads: { "GRO!": true } }),
    field: "spec.interfaces[0].offloads",
  },
  {
    name: "an RPS CPU list with a letter",
    spec: ifaces({ rps: { cpus: "0-3,a" } }),
    field: "spec.interfaces[0].rps.cpus",
  },
  {
    name: "an RPS CPU list that is a path",
    spec: ifaces({ rps: { cpus: "../../x" } }),
    field: "spec.interfaces[0].rps.cpus",
  },
  {
    name: "XPS with both spread and queues",
    spec: ifaces({ xps: { spread: "all", queues: ["0"] } }),
    field: "spec.interfaces[0].xps",
  },
  {
    name: "IRQ pinning without CPUs",
    spec: ifaces({ irqAffinity: { policy: "Pin" } }),
    field: "spec.interfaces[0].irqAffinity",
  },
  {
    name: "IRQ Leave with CPUs",
    spec: ifaces({ irqAffinity: { policy: "Leave", cpus: "0-1" } }),
    field: "spec.interfaces[0].irqAffinity",
  },
  {
    name: "an unknown IRQ policy",
    spec: ifaces({ irqAffinity: { policy: "Random" } }),
    field: "spec.interfaces[0].irqAffinity.policy",
  },
  {
    name: "a txqueuelen over a million",
    spec: ifaces({ txQueueLength: 2000000 }),
    field: "spec.interfaces[0].txQueueLength",
  },
  {
    name: "RSS over zero queues",
    spec: ifaces({ rss: { equalQueues: 0 } }),
    field: "spec.interfaces[0].rss.equalQueues",
  },
  {
    name: "more than 16 interface entries",
    spec: { interfaces: Array.from({ length: 17 }, () => iface({ txQueueLength: 1 })) },
    field: "spec.interfaces",
  },
  {
    name: "conntrack max together with maxPerCore",
    spec: { conntrack: { max: 262144, maxPerCore: 65536 } },
    field: "spec.conntrack",
  },
  {
    name: "conntrack min without maxPerCore",
    spec: { conntrack: { max: 262144, min: 131072 } },
    field: "spec.conntrack",
  },
  {
    name: "a conntrack max below 1024",
    spec: { conntrack: { max: 10 } },
    field: "spec.conntrack.max",
  },
  {
    name: "a zero established timeout",
    spec: { conntrack: { timeouts: { tcpEstablishedSeconds: 0 } } },
    field: "spec.conntrack.timeouts.tcpEstablishedSeconds",
  },
  {
    name: "a misspelt single-request option",
    spec: { dns: { node: { singleRequest: "single-requests" } } },
    field: "spec.dns.node.singleRequest",
  },
  {
    name: "a resolver timeout over 30 s",
    spec: { dns: { node: { timeout: 60 } } },
    field: "spec.dns.node.timeout",
  },
  {
    name: "a sysctl outside net.*",
    spec: { sysctls: { "kernel.panic": "1" } },
    field: "spec.sysctls",
  },
  {
    name: "a sysctl key with a path in it",
    spec: { sysctls: { "net.ipv4.conf/../../../etc": "1" } },
    field: "spec.sysctls",
  },
  {
    name: "a sysctl key with an empty segment",
    spec: { sysctls: { "net.core..somaxconn": "1" } },
    field: "spec.sysctls",
  },
  {
    name: "a sysctl value with a shell metacharacter",
    spec: { sysctls: { "net.core.somaxconn": "1; reboot" } },
    field: "spec.sysctls.net.core.somaxconn",
  },
  {
    name: "an In selector without values",
    spec: { nodeSelector: { matchExpressions: [{ key: "pool", operator: "In" }] } },
    field: "spec.nodeSelector",
  },
  {
    name: "a matchLabels key Kubernetes would refuse",
    spec: { nodeSelector: { matchLabels: { "bad key!": "x" } } },
    field: "label key bad key! is not valid",
  },
  {
    name: "an empty matchExpressions key",
    spec: { nodeSelector: { matchExpressions: [{ key: "", operator: "Exists" }] } },
    field: "spec.nodeSelector.matchExpressions[0].key",
  },
  {
    name: "a label value with a space",
    spec: { nodeSelector: { matchLabels: { pool: "a b" } } },
    field: "spec.nodeSelector.matchLabels.pool",
  },
  {
    name: "a CPU range that runs backwards",
    spec: ifaces({ rps: { cpus: "7-3" } }),
    field: "CPU list 7-3: ranges must run upwards",
  },
  {
    name: "a txqueuelen of zero",
    spec: ifaces({ txQueueLength: 0 }),
    field: "spec.interfaces[0].txQueueLength",
  },
  {
    name: "a sysctl value of only blanks",
    spec: { sysctls: { "net.core.somaxconn": "   " } },
    field: "spec.sysctls.net.core.somaxconn",
  },
  {
    name: "a sysctl key outside net.*, named in the message",
    spec: { sysctls: { "net.core.somaxconn": "1024", "kernel.panic": "1" } },
    field: "sysctl key kernel.panic is not accepted",
  },
  {
    name: "a name pattern with an unclosed bracket",
    spec: { interfaces: [{ match: { namePattern: "eth[0-3" } }] },
    field: "namePattern eth[0-3: every [ needs a closing ]",
  },
  {
    name: "a name pattern with an empty class",
    spec: { interfaces: [{ match: { namePattern: "eth[]" } }] },
    field: "spec.interfaces[0].match.namePattern",
  },
  {
    name: "negative combined channels",
    spec: ifaces({ channels: { combined: -4 } }),
    field: "spec.interfaces[0].channels.combined",
  },
  {
    name: "a fractional channel count",
    spec: ifaces({ channels: { combined: 1.5 } }),
    field: "spec.interfaces[0].channels.combined",
  },
  {
    name: "a ring size that is a word",
    spec: ifaces({ rings: { rx: "abc" } }),
    field: "spec.interfaces[0].rings.rx",
  },
  {
    name: "security-sensitive net.core.bpf_jit_harden without allowSecuritySensitiveSysctls",
    spec: { sysctls: { "net.core.somaxconn": "4096", "net.core.bpf_jit_harden": "0" } },
    field: "sysctl net.core.bpf_jit_harden is not on the list of sysctls known to be safe",
  },
  {
    name: "security-sensitive net.ipv4.ip_unprivileged_port_start without allowSecuritySensitiveSysctls",
    spec: { sysctls: { "net.core.somaxconn": "4096", "net.ipv4.ip_unprivileged_port_start": "0" } },
    field:
      "sysctl net.ipv4.ip_unprivileged_port_start is not on the list of sysctls known to be safe",
  },
  {
    name: "security-sensitive net.ipv4.conf.all.rp_filter without allowSecuritySensitiveSysctls",
    spec: { sysctls: { "net.core.somaxconn": "4096", "net.ipv4.conf.all.rp_filter": "0" } },
    field: "sysctl net.ipv4.conf.all.rp_filter is not on the list of sysctls known to be safe",
  },
  {
    name: "security-sensitive net.ipv4.ip_forward without allowSecuritySensitiveSysctls",
    spec: { sysctls: { "net.core.somaxconn": "4096", "net.ipv4.ip_forward": "1" } },
    field: "sysctl net.ipv4.ip_forward is not on the list of sysctls known to be safe",
  },
  {
    name: "bc_forwarding, outside the list known to be safe, without allowSecuritySensitiveSysctls",
    spec: { sysctls: { "net.ipv4.conf.all.bc_forwarding": "1" } },
    field: "sysctl net.ipv4.conf.all.bc_forwarding is not on the list of sysctls known to be safe",
  },
  {
    name: "a conntrack helper switch without allowSecuritySensitiveSysctls",
    spec: { sysctls: { "net.netfilter.nf_conntrack_helper": "1" } },
    field:
      "sysctl net.netfilter.nf_conntrack_helper is not on the list of sysctls known to be safe",
  },
  { name: "an unknown field", spec: { tunables: { fast: true } }, field: "spec.tunables" },
  { name: "a missing spec", spec: undefined, field: "spec" },
];

function manifest(name: string, spec: Spec | undefined): string {
  const object: Spec = {
    apiVersion: "nettune.io/v1beta1",
    kind: "NetworkTuning",
    metadata: { name },
  };
  if (spec !== undefined) object.spec = spec;
  return stringify(object);
}

// The CRD as installed, its OpenAPI part compiled here: the same checks the agent runs.
const installed = await loadKindSchema(
  path.resolve(import.meta.dirname, "../../crds"),
  "networktunings",
);
const validator = new SchemaValidator(installed, compileStructural(installed));

function objectOf(name: string, spec: Spec | undefined): Spec {
  return parse(manifest(name, spec)) as Spec;
}

describe("the API server validates NetworkTuning specs", () => {
  it("has at least 25 invalid cases", () => {
    expect(invalidSpecs.length).toBeGreaterThanOrEqual(25);
  });

  it.each(invalidSpecs)("rejects $name, naming $field", async ({ spec, field }) => {
    const result = await kubectl(
      target,
      ["create", "--dry-run=server", "-f", "-"],
      manifest("invalid", spec),
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(field);
  });

  // The CLI and the agent check with the CRD's own schema and CEL rules: same verdict, same field.
  it.each(invalidSpecs)("the CLI's check also rejects $name, naming $field", ({ spec, field }) => {
    const errors = validator.validate(objectOf("invalid", spec));
    expect(errors.map((e) => `${e.field}: ${e.message}`).join("\n")).toContain(field);
  });

  it.each(examples)("both the API server and the CLI's check accept %s", async (file) => {
    const text = await readFile(file, "utf8");
    expect(validator.validate(parse(text))).toEqual([]);
    const result = await kubectl(target, ["create", "--dry-run=server", "-f", "-"], text);
    expect(result.stderr).toBe("");
  });

  it("accepts security-sensitive sysctls when the tuning allows them, in both checks", async () => {
    const text = manifest("sensitive", {
      allowSecuritySensitiveSysctls: true,
      sysctls: { "net.ipv4.ip_forward": "1", "net.ipv4.conf.all.rp_filter": "2" },
    });
    expect(validator.validate(parse(text))).toEqual([]);
    const result = await kubectl(target, ["create", "--dry-run=server", "-f", "-"], text);
    expect(result.stderr).toBe("");
  });

  it("accepts the smallest valid spec and fills in the defaults", async () => {
    const result = await kubectl(
      target,
      ["create", "--dry-run=server", "-o", "json", "-f", "-"],
      manifest("minimal", ifaces({ txQueueLength: 1000 })),
    );
    expect(result.stderr).toBe("");
    const created = JSON.parse(result.stdout) as { spec: Spec & { interfaces: { match: Spec }[] } };
    expect(created.spec.priority).toBe(0);
    expect(created.spec.mode).toBe("Enforce");
    expect(created.spec.interfaces[0]?.match.physicalOnly).toBe(true);
  });
});
