import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { SchemaBuilder, SchemaGenerationError, type JSONSchemaProps } from "./schema.ts";

const source = `
/**
 * A count.
 * @integer
 * @format int32
 */
export type Count = number;
/**
 * A count or a word.
 * @intOrString
 * @validation {"rule": "type(self) == int || self == 'max'", "message": "a number or max"}
 */
export type CountOrMax = number | string;
/** Shared fields. */
export interface Base {
  /** Inherited. */
  inherited?: string;
}
/**
 * The thing.
 * @validation {"rule": "has(self.a) || has(self.b)", "message": "set a or b"}
 */
export interface Thing extends Base {
  /** Required text. */
  a: string;
  /**
   * An optional count.
   * @minimum 1
   * @maximum 9
   * @default 3
   */
  b?: Count;
  /** A word from a list. */
  mode?: "Fast" | "Slow";
  /** Uses the alias's rule. */
  limit?: CountOrMax;
  count?: Count;
  /**
   * Named flags.
   * @maxProperties 4
   */
  flags?: Record<string, boolean>;
  /**
   * Values by name, written whole.
   * @mapType atomic
   */
  values?: Record<string, string>;
  /**
   * Items.
   * @listType set
   * @maxItems 2
   */
  items?: string[];
}
export interface Broken {
  /** A tuple. */
  pair: [string, number];
}
`;

const dir = mkdtempSync(path.join(tmpdir(), "schema-test-"));
const file = path.join(dir, "types.ts");
writeFileSync(file, source);
const builder = new SchemaBuilder([file]);
const thing = builder.schemaOf(file, "Thing");
const prop = (name: string): JSONSchemaProps => thing.properties?.[name] ?? {};

describe("schema generation from TypeScript", () => {
  it.each([
    {
      name: "an interface becomes an object with its JSDoc as description",
      got: { type: thing.type, description: thing.description },
      want: { type: "object", description: "The thing." },
    },
    { name: "properties without ? are required, others are not", got: thing.required, want: ["a"] },
    {
      name: "members of an extended interface come first",
      got: Object.keys(thing.properties ?? {})[0],
      want: "inherited",
    },
    {
      name: "numeric tags, defaults and @integer aliases combine",
      got: prop("b"),
      want: {
        type: "integer",
        format: "int32",
        description: "An optional count.",
        minimum: 1,
        maximum: 9,
        default: 3,
      },
    },
    {
      name: "an alias's description is used when the property has none",
      got: prop("count").description,
      want: "A count.",
    },
    {
      name: "a union of string literals becomes an enum",
      got: prop("mode").enum,
      want: ["Fast", "Slow"],
    },
    {
      name: "an @intOrString alias keeps its rule under the property's description",
      got: prop("limit"),
      want: {
        "x-kubernetes-int-or-string": true,
        description: "Uses the alias's rule.",
        "x-kubernetes-validations": [
          { rule: "type(self) == int || self == 'max'", message: "a number or max" },
        ],
      },
    },
    {
      name: "a Record becomes additionalProperties",
      got: prop("flags"),
      want: {
        type: "object",
        additionalProperties: { type: "boolean" },
        description: "Named flags.",
        maxProperties: 4,
      },
    },
    {
      name: "@mapType sets the map's type",
      got: prop("values")["x-kubernetes-map-type"],
      want: "atomic",
    },
    {
      name: "an array keeps its list type and size",
      got: prop("items"),
      want: {
        type: "array",
        items: { type: "string" },
        description: "Items.",
        maxItems: 2,
        "x-kubernetes-list-type": "set",
      },
    },
    {
      name: "@validation on an interface lands on its object",
      got: thing["x-kubernetes-validations"],
      want: [{ rule: "has(self.a) || has(self.b)", message: "set a or b" }],
    },
  ])("$name", ({ got, want }) => {
    expect(got).toEqual(want);
  });

  it("names the field of a type it cannot express", () => {
    expect(() => builder.schemaOf(file, "Broken")).toThrow(SchemaGenerationError);
    expect(() => builder.schemaOf(file, "Broken")).toThrow(/Broken\.pair: unsupported type/);
  });
});
