/**
 * Classification-driven access control: role-based rules from `data.access` in warden.yaml decide whether a principal
 * may read, export, decrypt or manage data of a classification level. Least privilege: a principal not listed gets
 * `defaultRoles` (reader: public data only); an unknown role grants nothing. Every decision is appended to the ledger.
 */
import type { Classification, DataConfig } from "../../core/config/sections/data.ts";
import { WardenError } from "../../core/errors.ts";
import type { DataContext } from "./context.ts";

export type DataAction = "read" | "export" | "decrypt" | "manage";

export interface AccessDecision {
  allowed: boolean;
  principal: string;
  action: DataAction;
  classification: Classification;
  roles: string[];
  /** The role that granted access, when allowed. */
  grantedBy?: string;
}

/** Pure decision: may `principal` perform `action` on data classified `classification`? */
export function decideAccess(
  config: DataConfig,
  principal: string,
  action: DataAction,
  classification: Classification,
): AccessDecision {
  const roles = config.access.principals[principal] ?? config.access.defaultRoles;
  const grantedBy = roles.find((r) => config.access.roles[r]?.[action].includes(classification));
  return grantedBy === undefined
    ? { allowed: false, principal, action, classification, roles }
    : { allowed: true, principal, action, classification, roles, grantedBy };
}

/**
 * Decides, records the decision in the ledger (`data.access`), and throws E_ACCESS_DENIED when refused, naming the
 * principal, the roles it has and what would grant access.
 */
export async function enforceAccess(
  ctx: DataContext,
  action: DataAction,
  subject: string,
  classification: Classification,
): Promise<AccessDecision> {
  const d = decideAccess(ctx.config, ctx.actor, action, classification);
  await ctx.ledger.append({
    type: "data.access",
    subject,
    actor: ctx.actor,
    data: { action, classification, allowed: d.allowed, roles: d.roles, grantedBy: d.grantedBy ?? null },
  });
  if (!d.allowed) {
    throw new WardenError(
      "E_ACCESS_DENIED",
      `${ctx.actor} may not ${action} ${classification} data (${subject}); roles: ${d.roles.join(", ") || "none"}. ` +
        `Grant a role whose "${action}" list includes "${classification}" under data.access in warden.yaml`,
      { details: { ...d } },
    );
  }
  return d;
}
