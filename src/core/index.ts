/** The shared core: errors, configuration, logging, canonical JSON and cryptography. */
export * from "./canonical-json.ts";
export * from "./config/index.ts";
export * from "./crypto/index.ts";
export * from "./errors.ts";
export * from "./logging.ts";
