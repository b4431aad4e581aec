/** AI-BOM generation: CycloneDX 1.6 and SPDX 3.0.1. Re-exported by `src/model/index.ts`. */
export { cyclonedxBom } from "./cyclonedx.ts";
export type { BomInput } from "./input.ts";
export {
  LOCKFILES,
  type LockedDependency,
  npmPurl,
  parsePackageLock,
  parsePipfileLock,
  parseRequirements,
  parseTomlPackages,
  pypiPurl,
  readLockfiles,
} from "./lockfiles.ts";
export { SPDX_CONTEXT, spdxBom } from "./spdx.ts";
