/**
 * The model domain's public door: OpenSSF Model Signing (sign/verify), the model registry with promotion gates, and
 * the AI-BOM (CycloneDX 1.6, SPDX 3.0). The file scanner adds its exports below.
 */

export * from "./bom/index.ts";
export * from "./registry/index.ts";
export * from "./scan/index.ts";
export * from "./signing/index.ts";
