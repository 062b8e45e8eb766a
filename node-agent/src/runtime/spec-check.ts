import type { SchemaValidator } from "../../../api/helpers/validate.ts";
import { kindValidator } from "../../../api/v1alpha1/validators.ts";
import { apiVersion, Plural } from "../../../api/v1alpha1/identity.ts";
import type { NodeNetworkTuningSpec } from "../../../api/v1alpha1/node-network-tuning.ts";
import type { TuningSettings } from "../../../api/v1alpha1/node-settings.ts";
import { InvalidSpecError } from "../engine/enact.ts";

export interface SpecCheckers {
  /** Throws InvalidSpecError for a NodeNetworkTuning spec the CRD would refuse. */
  spec: (node: string, spec: NodeNetworkTuningSpec) => void;
  /** Throws InvalidSpecError for an audited tuning's settings its NetworkTuning schema would refuse. */
  audit: (name: string, settings: TuningSettings) => void;
}

/**
 * The agent's own check of what it reads from its NodeNetworkTuning, with the
 * CRDs' schemas and CEL rules (built in: schemas.generated.ts), before any write: an object stored under an
 * older schema, or written around the API server's checks, is refused
 * (InvalidSpec) rather than applied.
 */
export function specCheckers(): SpecCheckers {
  const node = kindValidator(Plural.NodeNetworkTuning);
  const tuning = kindValidator(Plural.NetworkTuning);
  const check = (validator: SchemaValidator, kind: string, name: string, spec: unknown): void => {
    const errors = validator.validate({
      apiVersion,
      kind,
      metadata: { name },
      spec,
    });
    if (errors.length > 0)
      throw new InvalidSpecError(
        [],
        errors.map((e) => `${e.field}: ${e.message}`),
      );
  };
  return {
    spec: (name, spec) => {
      check(node, "NodeNetworkTuning", name, spec);
    },
    audit: (name, settings) => {
      check(tuning, "NetworkTuning", name, settings);
    },
  };
}
