import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import type { CustomResourceDefinition } from "./crd.ts";
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

  it.each(rendered)("$file describes every field for kubectl explain", ({ content }) => {
    const crd = parse(content) as CustomResourceDefinition;
    const schema = crd.spec.versions[0]?.schema.openAPIV3Schema ?? {};
    expect(undescribed(schema, "")).toEqual([]);
  });

  it.each(rendered)("$file is cluster-scoped with a status subresource", ({ content }) => {
    const crd = parse(content) as CustomResourceDefinition;
    expect(crd.spec.scope).toBe("Cluster");
    expect(crd.spec.versions[0]?.subresources).toEqual({ status: {} });
  });
});
