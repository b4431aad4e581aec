/**
 * Workspace encryption keys as seen by envelope encryption: symmetric 256-bit keys, identified by a random 128-bit id
 * and a version number, that wrap per-object data keys with AES-256-GCM (NIST SP 800-38D; nonce || ct || tag, 60 bytes
 * for a 32-byte data key). AES-GCM is used rather than AES-KW (RFC 3394) because it binds associated data (the
 * object's header), which AES-KW cannot.
 */
import { open, seal } from "./aead.ts";

/** One version of a workspace encryption key. */
export interface WrappingKey {
  /** 32 lowercase hex characters (16 random bytes). */
  readonly id: string;
  readonly version: number;
  wrap(dataKey: Uint8Array, aad: Uint8Array): Uint8Array;
  /** The data key, or undefined when the wrapped bytes or the AAD were altered. */
  unwrap(wrapped: Uint8Array, aad: Uint8Array): Uint8Array | undefined;
}

/** A source of wrapping keys: the current version for new objects, any version by id for old ones. */
export interface WrappingKeys {
  currentWrappingKey(): Promise<WrappingKey>;
  /** Throws E_KEY_NOT_FOUND for an unknown id. */
  wrappingKey(id: string): Promise<WrappingKey>;
}

/** Builds a wrapping key around raw key bytes (kept in the closure). */
export function makeWrappingKey(id: string, version: number, key: Uint8Array): WrappingKey {
  return {
    id,
    version,
    wrap: (dataKey, aad) => seal(key, dataKey, aad),
    unwrap: (wrapped, aad) => open(key, wrapped, aad),
  };
}
