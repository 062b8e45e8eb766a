import type { ValidateFunction } from "ajv";
import { specPart } from "../helpers/spec-part.ts";
import { SchemaValidator } from "../helpers/validate.ts";
import { kindSchemas, type KindPlural } from "./schemas.generated.ts";
import * as compiled from "./validators.generated.ts";

/**
 * A kind's schema and CEL checks for its spec (specPart), the OpenAPI part
 * compiled at `npm run generate`.
 */
export function kindValidator(plural: KindPlural): SchemaValidator {
  return new SchemaValidator(specPart(kindSchemas[plural]), compiled[plural] as ValidateFunction);
}
