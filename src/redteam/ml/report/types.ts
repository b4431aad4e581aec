/** The machine-readable report of an ML red-team run (JSON schema id `warden.redteam.ml/v1`). */
import type { CertificationReport } from "../certification.ts";
import type { AttackReport, TextEvasionReport } from "../evasion.ts";
import type { ExtractionResult } from "../extraction.ts";
import type { MembershipReport } from "../membership.ts";
import type { Verdict } from "./verdict.ts";

/** A full ML assessment report. */
export interface MlReport {
  schema: "warden.redteam.ml/v1";
  /** The seed every random choice was drawn from; rerunning with it repeats the queries. */
  seed: number;
  target: string;
  startedAt: string;
  finishedAt: string;
  data: { file: string | null; samples: number; features: number } | null;
  evasion?: AttackReport[];
  text?: TextEvasionReport;
  certification?: CertificationReport;
  membership?: MembershipReport;
  extraction?: ExtractionResult;
  verdict: Verdict;
}
