/**
 * The structural marker tokens of one normalised text, shared by training and detection: signature families (with
 * their `@doc` variants) found on the collapsed text, and adversarial-suffix statistics found on the case-preserving
 * text (with out-of-vocabulary counts when the model ships a vocabulary).
 */
import type { MarkerToken } from "./features.ts";
import { gibberishMarkers, type Vocabulary } from "./gibberish.ts";
import { isDocument, matchSignatures, type SignatureHit, signatureMarkers } from "./signatures.ts";

/** Signature hits and all marker tokens of `text` (normalised), given its collapsed form and origin map. */
export function attackMarkers(
  text: string,
  collapsed: string,
  origin: Int32Array,
  vocab?: Vocabulary,
): { hits: SignatureHit[]; markers: MarkerToken[] } {
  const hits = matchSignatures(collapsed);
  const markers = signatureMarkers(hits, isDocument(text, collapsed.length));
  for (const m of gibberishMarkers(text, origin, collapsed.length, vocab)) markers.push(m);
  return { hits, markers };
}
