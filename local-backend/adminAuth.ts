/**
 * Admin authentication, as a self-hosted Convex deployment does it: `Authorization: Convex
 * <admin key>` on HTTP, `Authenticate { tokenType: "Admin", value, impersonating? }` on the
 * WebSocket. An admin may call internal functions and component functions and may act as a
 * given identity (`npx convex run --identity`): `<admin key>:<base64 of the identity's JSON>`.
 */
import { timingSafeEqual } from "node:crypto";
import type { Identity } from "./exec";

/** Who is calling: an admin (maybe acting as a user) or a client with its verified identity. */
export type Caller = { admin: boolean; identity: Identity };

/** An Authorization header that names the admin scheme with the wrong key (HTTP 401). */
export class AdminKeyError extends Error {
  readonly code = "BadAdminKey";
  constructor() {
    super(
      "The provided admin key was invalid for this deployment. Use the CONVEX_SELF_HOSTED_ADMIN_KEY printed when the backend starts (it is kept in the data folder as admin_key).",
    );
  }
}

/** The identity `npx convex run --identity` sends, as a function sees it (`getUserIdentity`). */
export function actingAsIdentity(raw: unknown): Identity {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== "object" || Array.isArray(raw)) throw new AdminKeyError();
  const identity = { ...(raw as Record<string, unknown>) };
  const issuer = typeof identity.issuer === "string" ? identity.issuer : "https://convex.test";
  const subject = typeof identity.subject === "string" ? identity.subject : "";
  identity.issuer = issuer;
  identity.subject = subject;
  if (typeof identity.tokenIdentifier !== "string") identity.tokenIdentifier = `${issuer}|${subject}`;
  return identity;
}

export class AdminAuth {
  private readonly key: Buffer;

  constructor(adminKey: string) {
    this.key = Buffer.from(adminKey);
  }

  matches(candidate: string): boolean {
    const given = Buffer.from(candidate);
    return given.length === this.key.length && timingSafeEqual(given, this.key);
  }

  /** The key and the optional acting-as identity of an admin token (`key` or `key:base64(json)`). */
  caller(token: string): Caller {
    // The key itself is "<name>|<hex>": the acting-as part is after the first ":" past the "|".
    const bar = token.indexOf("|");
    const colon = token.indexOf(":", bar < 0 ? 0 : bar);
    const key = colon < 0 ? token : token.slice(0, colon);
    if (!this.matches(key)) throw new AdminKeyError();
    if (colon < 0) return { admin: true, identity: null };
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(token.slice(colon + 1), "base64").toString("utf8"));
    } catch {
      throw new AdminKeyError();
    }
    return { admin: true, identity: actingAsIdentity(parsed) };
  }

  /** `Convex <token>` → an admin caller; no such header → null; the wrong key → AdminKeyError. */
  fromHeader(header: string | undefined): Caller | null {
    if (!header?.startsWith("Convex ")) return null;
    return this.caller(header.slice("Convex ".length).trim());
  }
}
