import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { readFileSync } from "node:fs";
import {
  formatCPUList,
  formatCPUMask,
  parseCPUList,
  parseCPUMask,
  CPUListError,
} from "./cpu-list.ts";
import { kindSchemas } from "../v1alpha1/schemas.generated.ts";
import { loadKindSchema } from "./crd-schemas.ts";
import { applyDefaults } from "./defaults.ts";
import { resolveMaxUnavailable, IntOrPercentError } from "./int-or-percent.ts";
import {
  checkSysctlValue,
  isSecuritySensitiveSysctl,
  tuningSafeSysctlPattern,
  sysctlPath,
  SysctlKeyError,
} from "./sysctl.ts";

const root = path.resolve(import.meta.dirname, "../..");

describe("CPU lists and masks", () => {
  it.each([
    { name: "a single CPU", list: "3", cpus: [3] },
    {
      name: "ranges and singles, unordered and overlapping",
      list: "8,0-3,2-4",
      cpus: [0, 1, 2, 3, 4, 8],
    },
    { name: "an empty list", list: "", cpus: [] },
  ])("parses $name", ({ list, cpus }) => {
    expect(parseCPUList(list)).toEqual(cpus);
  });

  it.each([
    { name: "a letter", list: "0-3,a" },
    { name: "a backwards range", list: "5-2" },
    { name: "a path", list: "../1" },
  ])("refuses $name", ({ list }) => {
    expect(() => parseCPUList(list)).toThrow(CPUListError);
  });

  it.each([
    {
      name: "contiguous CPUs fold into a range",
      cpus: [0, 1, 2, 3, 8],
      list: "0-3,8",
      mask: "10f",
    },
    { name: "CPUs past 31 add a 32-bit word", cpus: [0, 33], list: "0,33", mask: "2,00000001" },
    { name: "no CPUs is mask 0", cpus: [], list: "", mask: "0" },
  ])("$name", ({ cpus, list, mask }) => {
    expect(formatCPUList(cpus)).toBe(list);
    expect(formatCPUMask(cpus)).toBe(mask);
    expect(parseCPUMask(mask)).toEqual(cpus);
  });

  it("reads the kernel's padded mask format", () => {
    expect(parseCPUMask("00000000,0000000f\n")).toEqual([0, 1, 2, 3]);
  });
});

describe("maxUnavailable", () => {
  it.each([
    { name: "absent means one node", value: undefined, total: 10, want: 1 },
    { name: "a number is taken as is", value: 3, total: 10, want: 3 },
    { name: "zero still lets one node move", value: 0, total: 10, want: 1 },
    { name: "a percentage rounds down", value: "25%", total: 10, want: 2 },
    { name: "a small percentage of few nodes is one", value: "10%", total: 3, want: 1 },
    { name: "100% is every node", value: "100%", total: 7, want: 7 },
  ])("$name", ({ value, total, want }) => {
    expect(resolveMaxUnavailable(value, total)).toBe(want);
  });

  it.each([{ value: "150%" }, { value: "ten" }, { value: -1 }, { value: 1.5 }])(
    "refuses $value",
    ({ value }) => {
      expect(() => resolveMaxUnavailable(value, 10)).toThrow(IntOrPercentError);
    },
  );
});

describe("sysctl keys", () => {
  it.each([
    { key: "net.core.somaxconn", path: "net/core/somaxconn" },
    { key: "net.ipv4.conf.eth0.rp_filter", path: "net/ipv4/conf/eth0/rp_filter" },
    { key: "net.netfilter.nf_conntrack_max", path: "net/netfilter/nf_conntrack_max" },
  ])("maps $key below /proc/sys", ({ key, path: want }) => {
    expect(sysctlPath(key)).toBe(want);
  });

  it.each([
    { name: "a key outside net.*", key: "kernel.panic" },
    { name: "a key that only looks like net.core", key: "net.corex.y" },
    { name: "an empty segment", key: "net.core..somaxconn" },
    { name: "a parent segment", key: "net.ipv4.conf.....x" },
    { name: "a slash", key: "net.ipv4.conf/../../x" },
    { name: "too many segments", key: "net.ipv4.a.b.c.d.e" },
  ])("refuses $name", ({ key }) => {
    expect(() => sysctlPath(key)).toThrow(SysctlKeyError);
  });

  it.each([
    { name: "a shell metacharacter", value: "1; reboot" },
    { name: "a newline", value: "1\n2" },
    { name: "an empty value", value: "" },
    { name: "a huge value", value: "1".repeat(300) },
  ])("refuses a value with $name", ({ value }) => {
    expect(() => checkSysctlValue("net.core.somaxconn", value)).toThrow(SysctlKeyError);
  });
});

describe("defaulting from the generated schema", () => {
  it("fills in the same defaults the API server does", async () => {
    const schema = await loadKindSchema(path.join(root, "crds"), "networktunings");
    const example = parse(
      readFileSync(path.join(root, "examples/dns-5s-fix.yaml"), "utf8"),
    ) as unknown;
    const defaulted = applyDefaults(schema, {
      spec: {
        interfaces: [{ match: { names: ["eth0"] }, irqAffinity: { policy: "Spread" } }],
        irqbalance: {},
      },
    }) as {
      spec: Record<string, unknown> & { interfaces: Record<string, Record<string, unknown>>[] };
    };
    expect(defaulted.spec.priority).toBe(0);
    expect(defaulted.spec.mode).toBe("Enforce");
    expect(defaulted.spec.irqbalance).toEqual({ policy: "Report" });
    expect(defaulted.spec.interfaces[0]?.match).toEqual({ names: ["eth0"], physicalOnly: true });
    expect(defaulted.spec.interfaces[0]?.irqAffinity).toEqual({
      policy: "Spread",
      numaLocalFirst: true,
      siblingsLast: true,
    });
    expect(applyDefaults(schema, example)).toMatchObject({
      spec: { rollout: { maxUnavailable: "25%" } },
    });
  });

  it("leaves the input untouched", async () => {
    const schema = await loadKindSchema(path.join(root, "crds"), "networktunings");
    const input = { spec: {} };
    applyDefaults(schema, input);
    expect(input).toEqual({ spec: {} });
  });
});

describe("security-sensitive sysctls", () => {
  it.each([
    ["net.core.bpf_jit_harden", true],
    ["net.ipv4.ip_unprivileged_port_start", true],
    ["net.ipv4.conf.all.rp_filter", true],
    ["net.ipv6.conf.eth0.forwarding", true],
    ["net.ipv4.conf.default.route_localnet", true],
    ["net.ipv4.conf.all.bc_forwarding", true],
    ["net.ipv6.conf.all.seg6_enabled", true],
    ["net.ipv4.tcp_l3mdev_accept", true],
    ["net.netfilter.nf_conntrack_helper", true],
    ["net.ipv4.tcp_syncookies", true],
    ["net.ipv4.conf.eth0.arp_accept", true],
    ["net.ipv4.a_key_a_newer_kernel_adds", true],
    ["net.core.somaxconn", false],
    ["net.ipv4.neigh.default.gc_thresh3", false],
    ["net.netfilter.nf_conntrack_tcp_timeout_established", false],
    ["net.ipv4.tcp_rmem", false],
    ["net.netfilter.nf_conntrack_max", false],
  ])("%s is sensitive: %s", (key, sensitive) => {
    expect(isSecuritySensitiveSysctl(key)).toBe(sensitive);
  });

  it("the CRDs' rule uses the same expression as the agent and the operator", async () => {
    const cel = tuningSafeSysctlPattern.replace(/\\/g, "\\\\");
    for (const plural of ["networktunings", "nodenetworktunings"]) {
      const schema = await loadKindSchema(path.join(root, "crds"), plural);
      const rules = schema.properties?.spec?.["x-kubernetes-validations"] ?? [];
      expect(rules.some((r) => r.rule.includes(`k.matches('${cel}')`))).toBe(true);
    }
  });
});

describe("the built-in schemas", () => {
  it.each(["networktunings", "nodenetworktunings"] as const)(
    "%s: the module the agent checks with holds the CRD's schema",
    async (plural) => {
      expect(kindSchemas[plural]).toEqual(await loadKindSchema(path.join(root, "crds"), plural));
    },
  );
});
