/**
 * X.509 chains for OMS "certificate" bundles: the bundle carries [leaf, intermediates...] (DER); the user supplies
 * trusted root certificates (PEM). The chain must link by issuer name and signature up to a supplied root, every
 * issuer must be a CA, and the leaf must allow code signing (EKU codeSigning). Validity periods are not checked:
 * bundles carry no trusted signing time offline (upstream checks at the leaf's notBefore, which any valid chain meets).
 */
import { X509Certificate } from "node:crypto";
import { WardenError } from "../../core/errors.ts";
import { pemBlocks } from "./keys.ts";

const EKU_CODE_SIGNING = "1.3.6.1.5.5.7.3.3";

function fail(message: string): WardenError {
  return new WardenError("E_MODEL_VERIFY_FAILED", `certificate chain: ${message}`);
}

/** Reads every CERTIFICATE block of a PEM text. */
export function certificatesFromPem(text: string, where: string): X509Certificate[] {
  const blocks = pemBlocks(text, "CERTIFICATE");
  if (blocks.length === 0) throw new WardenError("E_INPUT_INVALID", `${where}: no "-----BEGIN CERTIFICATE-----" block`);
  return blocks.map((b) => {
    try {
      return new X509Certificate(b);
    } catch (e) {
      throw new WardenError("E_INPUT_INVALID", `${where}: invalid certificate`, { cause: e });
    }
  });
}

/**
 * Verifies `chain` (leaf first, DER) up to one of `roots` and returns the leaf certificate. When the bundle's chain
 * stops short of a root, it is completed from `intermediates` (user-supplied, untrusted until they chain to a root).
 * Throws E_MODEL_VERIFY_FAILED naming the link that fails.
 */
export function verifyChain(
  chain: readonly Buffer[],
  roots: readonly X509Certificate[],
  intermediates: readonly X509Certificate[] = [],
): X509Certificate {
  if (roots.length === 0) throw fail("no trusted root given: pass --root with the CA certificate (PEM)");
  const certs = chain.map((der, i) => {
    try {
      return new X509Certificate(der);
    } catch (e) {
      throw Object.assign(fail(`certificate ${i} in the bundle is not valid DER X.509`), { cause: e });
    }
  });
  const isRoot = (c: X509Certificate) => roots.some((r) => r.fingerprint256 === c.fingerprint256 || c.checkIssued(r));
  for (let added = 0; certs.length > 0 && added < 8; added++) {
    const top = certs[certs.length - 1] as X509Certificate;
    if (isRoot(top)) break;
    const parent = intermediates.find(
      (c) => top.checkIssued(c) && !certs.some((x) => x.fingerprint256 === c.fingerprint256),
    );
    if (!parent) break;
    certs.push(parent);
  }
  const leaf = certs[0];
  if (!leaf) throw fail("the bundle carries no certificate");
  for (let i = 0; i + 1 < certs.length; i++) {
    const child = certs[i] as X509Certificate;
    const parent = certs[i + 1] as X509Certificate;
    if (!parent.ca) throw fail(`"${parent.subject}" issues "${child.subject}" but is not a CA`);
    if (!child.checkIssued(parent) || !child.verify(parent.publicKey)) {
      throw fail(`"${child.subject}" is not signed by "${parent.subject}"`);
    }
  }
  const top = certs[certs.length - 1] as X509Certificate;
  const anchored = roots.some(
    (root) =>
      top.fingerprint256 === root.fingerprint256 || (root.ca && top.checkIssued(root) && top.verify(root.publicKey)),
  );
  if (!anchored)
    throw fail(
      `"${top.subject}" does not chain to any trusted root (${roots.map((r) => `"${r.subject}"`).join(", ")})`,
    );
  const eku = leaf.keyUsage;
  if (!eku?.includes(EKU_CODE_SIGNING)) throw fail(`leaf "${leaf.subject}" lacks the codeSigning extended key usage`);
  return leaf;
}
