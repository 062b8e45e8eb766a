// The webhook's own PKI: a CA whose certificate goes into the webhook
// configuration's caBundle, and a serving certificate it signs. Pure: keys,
// names and times come in, PEM goes out.
import { generateKeyPairSync, randomBytes, X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import forge from "node-forge";

export interface KeyPair {
  cert: string;
  key: string;
}

export interface WebhookPKI {
  ca: KeyPair;
  serving: KeyPair;
  /** Every CA the API server should trust: the current one, and the previous one while it is valid. */
  caBundle: string;
}

export interface Validity {
  now: Date;
  caSeconds: number;
  servingSeconds: number;
}

function newKey(): {
  publicKey: forge.pki.PublicKey;
  privateKey: forge.pki.rsa.PrivateKey;
  pem: string;
} {
  // Native key generation: forge's own is pure JavaScript and slow.
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  return {
    publicKey: forge.pki.publicKeyFromPem(
      publicKey.export({ type: "spki", format: "pem" }).toString(),
    ),
    privateKey: forge.pki.privateKeyFromPem(pem),
    pem,
  };
}

function baseCertificate(
  publicKey: forge.pki.PublicKey,
  now: Date,
  seconds: number,
): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // Positive 128-bit serial: the high bit cleared.
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  cert.serialNumber = serial.toString("hex");
  // A minute of slack for clocks that differ between the operator and the API server.
  cert.validity.notBefore = new Date(now.getTime() - 60_000);
  cert.validity.notAfter = new Date(now.getTime() + seconds * 1000);
  return cert;
}

export function issueCA(commonName: string, now: Date, seconds: number): KeyPair {
  const key = newKey();
  const cert = baseCertificate(key.publicKey, now, seconds);
  const name = [{ name: "commonName", value: commonName }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(key.privateKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: key.pem };
}

/** A serving certificate for the given DNS names and IP addresses, signed by the CA. */
export function issueServing(
  ca: KeyPair,
  hosts: readonly string[],
  now: Date,
  seconds: number,
): KeyPair {
  const caCert = forge.pki.certificateFromPem(ca.cert);
  const key = newKey();
  const cert = baseCertificate(key.publicKey, now, seconds);
  cert.setSubject([{ name: "commonName", value: hosts[0] ?? "nettune-webhook" }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: false },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    {
      name: "subjectAltName",
      altNames: hosts.map((host) =>
        isIP(host) ? { type: 7, ip: host } : { type: 2, value: host },
      ),
    },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(ca.key), forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: key.pem };
}

/** When a PEM certificate expires, in ms since the epoch. */
export function expiresAt(certPem: string): number {
  return new Date(new X509Certificate(certPem).validTo).getTime();
}

/** Whether a certificate is within `renewBeforeSeconds` of expiry, or unreadable. */
export function dueForRenewal(
  certPem: string | undefined,
  now: Date,
  renewBeforeSeconds: number,
): boolean {
  if (!certPem) return true;
  try {
    return expiresAt(certPem) - now.getTime() <= renewBeforeSeconds * 1000;
  } catch {
    return true;
  }
}

export function expired(certPem: string, now: Date): boolean {
  return dueForRenewal(certPem, now, 0);
}

export interface RenewPolicy extends Validity {
  hosts: readonly string[];
  /** Renew a certificate when this share of its life is left (cert-manager renews at 1/3). */
  renewShare: number;
}

/**
 * What the PKI should be now: kept as it is, a new serving certificate, or a
 * new CA (with the old one kept in the bundle until it expires) and a new
 * serving certificate. Returns undefined when nothing needs to change.
 */
export function nextPKI(
  current: WebhookPKI | undefined,
  policy: RenewPolicy,
): WebhookPKI | undefined {
  const { now } = policy;
  const bundle = (...certs: string[]): string =>
    certs
      .filter((cert) => cert !== "")
      .map((cert) => cert.trimEnd() + "\n")
      .join("");
  if (!current) {
    const ca = issueCA("nettune-webhook-ca", now, policy.caSeconds);
    const serving = issueServing(ca, policy.hosts, now, policy.servingSeconds);
    return { ca, serving, caBundle: bundle(ca.cert) };
  }
  const caDue = dueForRenewal(current.ca.cert, now, policy.caSeconds * policy.renewShare);
  const servingDue = dueForRenewal(
    current.serving.cert,
    now,
    policy.servingSeconds * policy.renewShare,
  );
  if (!caDue && !servingDue) return undefined;
  if (!caDue) {
    const serving = issueServing(current.ca, policy.hosts, now, policy.servingSeconds);
    return { ca: current.ca, serving, caBundle: current.caBundle };
  }
  // A new CA: the old one stays trusted until it expires, so the serving
  // certificate it signed keeps working on replicas that have not reloaded yet.
  const ca = issueCA("nettune-webhook-ca", now, policy.caSeconds);
  const serving = issueServing(ca, policy.hosts, now, policy.servingSeconds);
  const previous = expired(current.ca.cert, now) ? "" : current.ca.cert;
  return { ca, serving, caBundle: bundle(ca.cert, previous) };
}
