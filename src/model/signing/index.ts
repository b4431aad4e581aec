/** Model signing (OpenSSF Model Signing v1.0): hashing, signing and verification. Re-exported by `src/model/index.ts`. */
export type { Audit, LedgerSink } from "./audit.ts";
export { SIGSTORE_BUNDLE_MEDIA_TYPE, type SigstoreBundle } from "./bundle.ts";
export { certificatesFromPem, verifyChain } from "./certificate.ts";
export { type DsseVerifier, keyHint, nodeKeyVerifier, pemBlocks, verifierFromPem } from "./keys.ts";
export {
  diffManifests,
  type HashOptions,
  hashModel,
  type ManifestDiff,
  type ModelManifest,
  OMS_DEFAULT_SHARD_SIZE,
  type Resource,
  rootDigest,
  type Serialization,
} from "./manifest.ts";
export { type SignOptions, type SignResult, signModel } from "./sign.ts";
export {
  IN_TOTO_PAYLOAD_TYPE,
  OMS_PREDICATE_TYPE,
  type OmsStatement,
  readStatement,
  type SignedManifest,
} from "./statement.ts";
export {
  publicKeyHint,
  type TrustedKey,
  trustedKey,
  trustedKeyFromPem,
  trustedKeyFromPublicKey,
} from "./trust.ts";
export {
  assertVerified,
  checkIntegrity,
  checkSignature,
  defaultSignaturePath,
  describeDiff,
  inspectSignature,
  type SignatureCheck,
  type SignatureClaim,
  type VerifyOptions,
  type VerifyReport,
  verifyModel,
} from "./verify.ts";
export { DEFAULT_IGNORE_PATHS } from "./walk.ts";
