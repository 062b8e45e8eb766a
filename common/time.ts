// Times as the Kubernetes API stores them.

/** metav1.Time: RFC 3339 in UTC without fractions, as the API server stores it. */
export function kubeTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** metav1.MicroTime (events.k8s.io): RFC 3339 in UTC with six fractional digits. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");
}
