/**
 * The share page's build of Convex's sync client without its sign-in machinery. Viewers of a
 * share link never sign in: src/lib/live.tsx never calls `setAuth`, so the client never holds a
 * token, and Convex's AuthenticationManager (token fetching, refresh scheduling, re-auth after a
 * server rejection) and its JWT decoder never run — yet they cost every viewer ~3 kB gzip.
 * scripts/buildSpa.mjs substitutes these two modules for convex/browser's internal ones in the
 * share entry's build only (the members' app keeps Convex's own); src/lib/anonymousAuth.test.ts
 * checks they still cover every call convex/browser's client makes on them.
 */

const NO_SIGN_IN = "The share page's Convex client is anonymous: it has no sign-in (setAuth).";

/** Stands in for convex/browser/sync/authentication_manager.js's class, in the state it never leaves without a token: "noAuth". */
export class AuthenticationManager {
  constructor(_syncState: unknown, _callbacks: unknown, _config: unknown) {}

  /** `setAuth` is the only way in: refused at once, loudly, rather than connecting unauthenticated. */
  setConfig(): Promise<void> {
    throw new Error(NO_SIGN_IN);
  }

  /** Only transitions that change the identity concern auth; without a token none does. */
  onTransition(): void {}

  /** The server rejects only a token it was given; an anonymous client gives none. */
  onAuthError(): void {}

  stop(): void {}
}

/** Stands in for convex/browser's vendored jwt-decode: called only on a token, which this client never has. */
export function jwtDecode(): never {
  throw new Error(NO_SIGN_IN);
}
