import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { apiVersion, Kind, Plural } from "./identity.ts";
import { kindValidator } from "./validators.ts";

const nodeTuning = (spec: unknown, status?: unknown): unknown => ({
  apiVersion,
  kind: Kind.NodeNetworkTuning,
  metadata: { name: "node-1" },
  spec,
  ...(status === undefined ? {} : { status }),
});

describe("the compiled validators the agent and its CLI load", () => {
  const validator = kindValidator(Plural.NodeNetworkTuning);

  it.each([
    {
      sentence: "an interface name longer than the kernel's 15 characters",
      spec: { interfaces: [{ match: { names: ["a-very-long-interface"] } }] },
      field: "spec.interfaces[0].match.names[0]",
    },
    {
      sentence: "a field the schema does not know",
      spec: { conntrack: { maximum: 5 } },
      field: "spec.conntrack.maximum",
    },
  ])("refuse $sentence, naming the field", ({ spec, field }) => {
    const errors = validator.validate(nodeTuning(spec));
    expect(errors.map((e) => e.field)).toContain(field);
  });

  it("take the status as its writer left it: the agent and the CLI read specs only", () => {
    const status = { settings: "not a list", conditions: [{ type: 5 }], inventory: 1 };
    expect(validator.validate(nodeTuning({ sysctls: {} }, status))).toEqual([]);
  });

  it("hold no descriptions: an idle agent keeps the module's source in its heap", () => {
    const source = readFileSync(path.join(import.meta.dirname, "validators.generated.ts"), "utf8");
    expect(source).not.toContain('"description"');
    expect(source).not.toContain("properties/status/properties");
  });
});
