// Test helper: note signers generated in-process (Ed25519 via node:crypto, ML-DSA-65 via @noble/post-quantum).
import { generateKeyPairSync, sign } from "node:crypto";
import { ml_dsa65 } from "@noble/post-quantum/ml-dsa.js";
import type { NoteSigner } from "../../src/ledger/index.ts";

export function ed25519Signer(name: string): NoteSigner {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const raw = Buffer.from(publicKey.export({ format: "jwk" }).x!, "base64url");
  return { name, alg: "ed25519", publicKey: raw, sign: (m) => sign(null, m, privateKey) };
}

export function mlDsaSigner(name: string): NoteSigner {
  const keys = ml_dsa65.keygen();
  return { name, alg: "ml-dsa-65", publicKey: keys.publicKey, sign: (m) => ml_dsa65.sign(m, keys.secretKey) };
}
