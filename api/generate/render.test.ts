import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  laterFields as laterFieldsModule,
  type KindPlural,
} from "../v1alpha1/schemas.generated.ts";
import type { CRDVersion, CustomResourceDefinition } from "./crd.ts";
import { generatedHeader, renderCRDs } from "./render.ts";
import type { JSONSchemaProps } from "./schema.ts";

const root = path.resolve(import.meta.dirname, "../..");
const rendered = renderCRDs(root);

/** Every property path below `schema` that has no description. */
function undescribed(schema: JSONSchemaProps, at: string): string[] {
  const own = schema.description ? [] : [at];
  const children = Object.entries(schema.properties ?? {}).flatMap(([name, child]) =>
    name === "metadata" && at === "" ? [] : undescribed(child, `${at}.${name}`),
  );
  const items = schema.items?.properties
    ? undescribed({ ...schema.items, description: "-" }, `${at}[]`)
    : [];
  return [...own, ...children, ...items];
}

describe("the generated CRDs", () => {
  it.each(rendered)("$file is current with the TypeScript types", ({ file, content }) => {
    expect(readFileSync(path.join(root, file), "utf8")).toBe(content);
  });

  it.each(rendered)("$file starts with the generated header", ({ content }) => {
    expect(content.startsWith(generatedHeader)).toBe(true);
  });

  it.each(rendered)(
    "$file describes every field of every version for kubectl explain",
    ({ content }) => {
      const crd = parse(content) as CustomResourceDefinition;
      for (const { name, schema } of crd.spec.versions) {
        const missing = undescribed(schema.openAPIV3Schema, "");
        expect({ name, missing }).toEqual({ name, missing: [] });
      }
    },
  );

  it.each(rendered)("$file is cluster-scoped with a status subresource", ({ content }) => {
    const crd = parse(content) as CustomResourceDefinition;
    expect(crd.spec.scope).toBe("Cluster");
    for (const version of crd.spec.versions) expect(version.subresources).toEqual({ status: {} });
  });
});

describe("the served versions", () => {
  const all = rendered
    .filter(({ file }) => file.startsWith("crds/"))
    .map(({ content }) => parse(content) as CustomResourceDefinition);
  // The kinds both versions serve; NodeNetworkInventory is new in v1beta1.
  const crds = all.filter((crd) => crd.spec.versions.some((v) => v.name === "v1alpha1"));

  it("both versions serve NetworkTuning and NodeNetworkTuning; NodeNetworkInventory only v1beta1", () => {
    expect(
      Object.fromEntries(
        all.map((crd) => [crd.spec.names.kind, crd.spec.versions.map((v) => v.name)]),
      ),
    ).toEqual({
      NetworkTuning: ["v1alpha1", "v1beta1"],
      NodeNetworkTuning: ["v1alpha1", "v1beta1"],
      NodeNetworkInventory: ["v1beta1"],
    });
    const inventory = all.find((crd) => crd.spec.names.kind === "NodeNetworkInventory");
    expect(inventory?.spec.versions[0]).toMatchObject({ served: true, storage: true });
    expect(inventory?.spec.versions[0]).not.toHaveProperty("deprecated");
  });
  const version = (crd: CustomResourceDefinition, name: string): CRDVersion => {
    const found = crd.spec.versions.find((v) => v.name === name);
    if (!found) throw new Error(`${crd.metadata.name}: no version ${name}`);
    return found;
  };

  it.each(crds)(
    "$metadata.name stores v1beta1, serves v1alpha1 as deprecated, converts with None",
    (crd) => {
      expect(crd.spec.versions.map((v) => [v.name, v.served, v.storage])).toEqual([
        ["v1alpha1", true, false],
        ["v1beta1", true, true],
      ]);
      expect(version(crd, "v1alpha1").deprecated).toBe(true);
      expect(version(crd, "v1alpha1").deprecationWarning).toMatch(/use nettune\.io\/v1beta1/);
      expect(crd.spec.conversion).toEqual({ strategy: "None" });
    },
  );

  it.each(crds)(
    "$metadata.name: v1beta1 only adds, so v1alpha1 is v1beta1 less the added fields",
    (crd) => {
      const beta = version(crd, "v1beta1").schema.openAPIV3Schema;
      const alpha = version(crd, "v1alpha1").schema.openAPIV3Schema;
      const added = laterFieldsModule[crd.spec.names.plural as KindPlural].v1alpha1 ?? [];
      expect(added.length).toBeGreaterThan(0);
      const lessAdded = removeFields(beta, added);
      // A rule that names an added field is the one other difference (the
      // @validation's "versions"): each version has its own.
      expect(differingRules(lessAdded, alpha)).toEqual([
        {
          at: "spec.interfaces[].match",
          v1beta1: [expect.stringContaining("has(self.pciDevices)")],
          v1alpha1: [expect.not.stringContaining("pciDevices")],
        },
      ]);
      expect(lessAdded).toEqual(alpha);
    },
  );

  it.each(crds)("$metadata.name keeps the generator's version markers out of the CRD", (crd) => {
    expect(JSON.stringify(crd)).not.toContain("x-nettune-since");
    expect(JSON.stringify(crd)).not.toContain("x-nettune-versions");
  });

  it("the fields added in v1beta1 are the PCI match and IDs, device IRQs, the diagnosis thresholds, the advice and its count, why IRQs are unknown, auto-tuning, and applied settings by name", () => {
    expect(laterFieldsModule).toEqual({
      networktunings: {
        v1alpha1: [
          "spec.interfaces[].match.pciDevices",
          "spec.deviceIRQs",
          "spec.diagnosis",
          "spec.autoTune",
          "status.advisedNodes",
          "status.advice",
          "status.autoRaisedNodes",
          "status.autoRaised",
        ],
        v1beta1: [],
      },
      nodenetworktunings: {
        v1alpha1: [
          "spec.interfaces[].match.pciDevices",
          "spec.deviceIRQs",
          "spec.diagnosis",
          "spec.autoTune",
          "spec.autoRaised",
          "status.applied",
          "status.inventory.interfaces[].pciDevice",
          "status.inventory.interfaces[].irqsUnknown",
          "status.advice",
        ],
        v1beta1: [],
      },
      nodenetworkinventories: { v1beta1: [] },
    });
  });
});

function removeFields(schema: JSONSchemaProps, fields: string[]): JSONSchemaProps {
  const copy = structuredClone(schema);
  for (const field of fields) {
    const names = field.split(".");
    const last = names.pop() ?? "";
    let at: JSONSchemaProps | undefined = copy;
    // "list[]" steps into the list's items.
    for (const name of names)
      at = name.endsWith("[]")
        ? at?.properties?.[name.slice(0, -2)]?.items
        : at?.properties?.[name];
    if (at?.properties)
      at.properties = Object.fromEntries(
        Object.entries(at.properties).filter(([name]) => name !== last),
      );
  }
  return copy;
}

interface RuleDifference {
  at: string;
  v1beta1: string[];
  v1alpha1: string[];
}

/** Where the two schemas' CEL rules differ; both lose their rules there. */
function differingRules(
  beta: JSONSchemaProps | undefined,
  alpha: JSONSchemaProps | undefined,
  at = "",
): RuleDifference[] {
  if (beta === undefined || alpha === undefined) return [];
  const rules = (schema: JSONSchemaProps): string[] =>
    (schema["x-kubernetes-validations"] ?? []).map((rule) => rule.rule);
  const here: RuleDifference[] = [];
  if (JSON.stringify(rules(beta)) !== JSON.stringify(rules(alpha))) {
    here.push({ at, v1beta1: rules(beta), v1alpha1: rules(alpha) });
    delete beta["x-kubernetes-validations"];
    delete alpha["x-kubernetes-validations"];
  }
  const children = Object.keys(beta.properties ?? {}).flatMap((name) =>
    differingRules(
      beta.properties?.[name],
      alpha.properties?.[name],
      at === "" ? name : `${at}.${name}`,
    ),
  );
  const items = differingRules(beta.items, alpha.items, `${at}[]`);
  return [...here, ...children, ...items];
}
