import path from "node:path";
import { loadKindSchema } from "../../../api/helpers/crd-schemas.ts";
import { SchemaValidator } from "../../../api/helpers/validate.ts";
import type { NodeNetworkTuningSpec } from "../../../api/v1alpha1/node-network-tuning.ts";
import { InvalidSpecError } from "../engine/enact.ts";

/** The CRDs beside the compiled or source tree (dist/crds in the image, crds/ in the repository). */
export const defaultCRDDir = path.resolve(import.meta.dirname, "../../../crds");

/**
 * The agent's own check of the spec it reads from its NodeNetworkTuning,
 * with the CRD's schema and CEL rules, before any write: an object stored
 * under an older schema, or written around the API server's checks, is
 * refused (InvalidSpec) rather than applied.
 */
export async function specChecker(
  crdDir: string,
): Promise<(name: string, spec: NodeNetworkTuningSpec) => void> {
  const validator = new SchemaValidator(await loadKindSchema(crdDir, "nodenetworktunings"));
  return (name, spec) => {
    const errors = validator.validate({
      apiVersion: "nettune.io/v1alpha1",
      kind: "NodeNetworkTuning",
      metadata: { name },
      spec,
    });
    if (errors.length > 0)
      throw new InvalidSpecError(
        [],
        errors.map((e) => `${e.field}: ${e.message}`),
      );
  };
}
