import type { ValidateFunction } from "ajv";
import { SchemaValidator } from "../helpers/validate.ts";
import { kindSchemas, type KindPlural } from "./schemas.generated.ts";
import * as compiled from "./validators.generated.ts";

/** A kind's schema and CEL checks, its OpenAPI part compiled at `npm run generate`. */
export function kindValidator(plural: KindPlural): SchemaValidator {
  return new SchemaValidator(kindSchemas[plural], compiled[plural] as ValidateFunction);
}
