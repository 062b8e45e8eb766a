/** The subset of the Kubernetes structural OpenAPI schema the API uses. */
export interface JSONSchemaProps {
  type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  description?: string;
  format?: string;
  properties?: Record<string, JSONSchemaProps>;
  required?: string[];
  items?: JSONSchemaProps;
  additionalProperties?: JSONSchemaProps;
  enum?: string[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
  "x-kubernetes-int-or-string"?: true;
  "x-kubernetes-preserve-unknown-fields"?: true;
  "x-kubernetes-list-type"?: string;
  "x-kubernetes-list-map-keys"?: string[];
  "x-kubernetes-map-type"?: "atomic" | "granular";
  "x-kubernetes-validations"?: ValidationRule[];
  /**
   * The first API version that serves this property (`@since`); absent: every version.
   * Only the generator reads it: it is removed from every schema it writes.
   */
  "x-nettune-since"?: string;
}

export interface ValidationRule {
  rule: string;
  message: string;
  /** A CEL string expression for the message, so that it can name the offending key. */
  messageExpression?: string;
  /**
   * The API versions whose schema carries the rule (`"versions"` in the
   * @validation JSON); absent: every version. A rule that names a field only a
   * later version serves cannot compile in an older one.
   */
  "x-nettune-versions"?: string[];
}

/** Raised for a type the generator cannot express, naming where it stands. */
export class SchemaGenerationError extends Error {
  override name = "SchemaGenerationError";
}
