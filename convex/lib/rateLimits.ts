import { HOUR, MINUTE, RateLimiter } from "@convex-dev/rate-limiter";
import { components } from "../_generated/api";

/** Every rate limit in the app, declared once. */
export const rateLimiter = new RateLimiter(components.rateLimiter, {
  /**
   * Grant attempts (see lib/grantIssuing.ts). There is no app-wide bucket: every budget belongs
   * to the one asking (a client address, a viewer), so nobody can spend anyone else's.
   * Key: the client's hashed address.
   */
  grantAttemptsPerClient: { kind: "token bucket", rate: 300, period: MINUTE },
  /** Grant attempts by one client address on one link (key: linkId:client). */
  grantAttemptsPerClientLink: { kind: "token bucket", rate: 60, period: MINUTE },
  /**
   * Attempts that arrive without a client address (the `shareLinks.issueAccessGrant` mutation
   * over the WebSocket), per link. The share page never uses this path, so draining it refuses
   * only other address-less callers of the same link.
   */
  grantAttemptsUnaddressed: { kind: "token bucket", rate: 120, period: MINUTE },
  /**
   * Wrong passwords on one link from clients that have already failed there more than twice
   * (key: linkId; lib/grantIssuing.ts FREE_FAILURES): slows distributed guessing; a client that
   * mistyped once or twice never waits for it, so strangers keeping it spent lock no viewer out.
   */
  passwordFailuresPerLink: { kind: "token bucket", rate: 10, period: MINUTE },
  /** Wrong passwords by one client address on one link (key: linkId:client). */
  passwordFailuresPerClientLink: { kind: "token bucket", rate: 20, period: HOUR },
  /** Wrong passwords by one client address across every link (key: client). */
  passwordFailuresPerClient: { kind: "token bucket", rate: 60, period: HOUR },
  /** Custom-slug lookups by one client address (lib/slugTickets.ts): slugs are guessable, tokens are not. */
  slugLookupsPerClient: { kind: "token bucket", rate: 60, period: MINUTE },
  /**
   * Consecutive wrong passwords by one viewer on one link (key: linkId:viewerId, or
   * linkId:anonymous:client without an id; lib/grantIssuing.ts viewerKey); reset on success. The
   * viewer id is the browser's secret and never leaves the server (the access log shows an alias),
   * so nobody else can spend a viewer's streak.
   */
  passwordFailuresPerViewer: { kind: "token bucket", rate: 5, period: HOUR },
  /** The lock a viewer earns after 5 consecutive failures: one token per 10 minutes. */
  viewerLockout: { kind: "token bucket", rate: 1, period: 10 * MINUTE },
  /** Media requests per grant (key: grant:<id>) or raw link (key: link:<id>): a player's range requests fit easily; a scraper does not saturate the server. */
  mediaRequests: { kind: "token bucket", rate: 1200, period: MINUTE, capacity: 300 },
  /**
   * Guest comments (comments.addAsGuest). Per viewer of a link (key: linkId:viewerId): one
   * person's pace. Per link (key: linkId): generous, so a reviewing audience never meets it and
   * a stranger who mints viewer ids is slowed without silencing anyone for long.
   */
  guestCommentsPerViewer: { kind: "token bucket", rate: 20, period: 10 * MINUTE, capacity: 10 },
  guestCommentsPerLink: { kind: "token bucket", rate: 600, period: HOUR, capacity: 200 },
  /** HTTP API: requests per key, links minted per key, public calls per client address. */
  apiRequestsPerKey: { kind: "fixed window", rate: 1000, period: HOUR },
  apiMintsPerKey: { kind: "token bucket", rate: 120, period: MINUTE },
  apiPublicInfo: { kind: "token bucket", rate: 60, period: MINUTE },
  apiPublicDownload: { kind: "token bucket", rate: 30, period: MINUTE },
  /** Upload URLs per user (each opens an upload session, lib/uploads.ts). */
  uploadUrls: { kind: "token bucket", rate: 60, period: MINUTE },
  /** Chunk upload URLs per user (a 2 GiB video is 256 chunks of 8 MiB). */
  uploadChunks: { kind: "token bucket", rate: 600, period: MINUTE, capacity: 300 },
  /** Member playback grants per user (playback.ts): a player renews one every few minutes. */
  memberPlayback: { kind: "token bucket", rate: 120, period: MINUTE, capacity: 60 },
  /** Share-link creation per user. */
  createLink: { kind: "token bucket", rate: 120, period: MINUTE },
  /** Team invitations created per user. */
  teamInvitesPerUser: { kind: "token bucket", rate: 60, period: HOUR, capacity: 30 },
  /** Sign-in attempt tickets per client address (key: hashed address), from POST /auth/attempt. */
  signInAttemptsPerAddress: { kind: "token bucket", rate: 60, period: 10 * MINUTE, capacity: 30 },
  /** Sign-up attempt tickets per client address: each one is a password hash on the server. */
  signUpAttemptsPerAddress: { kind: "token bucket", rate: 10, period: HOUR, capacity: 10 },
  /** Wrong passwords for one email from one address (key: address:email); reset on success. Never per email alone, so strangers elsewhere cannot lock a member out. */
  signInFailuresPerAddressEmail: { kind: "token bucket", rate: 10, period: HOUR, capacity: 20 },
  /** Makes an attempt ticket single-use (key: ticket nonce): one token, refilled only after the ticket has expired. */
  attemptTicketUse: { kind: "token bucket", rate: 1, period: 5 * MINUTE, capacity: 1 },
});

export type RateLimitName = keyof NonNullable<typeof rateLimiter.limits>;
