/**
 * The red-team domain's public door (`warden/redteam`): attacks against your own systems. `ml` holds the adversarial
 * robustness and privacy assessment of ML models (evasion, certification, membership inference, extraction).
 */
export * as ml from "./ml/index.ts";
