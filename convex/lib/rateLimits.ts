import { HOUR, MINUTE, RateLimiter } from "@convex-dev/rate-limiter";
import { components } from "../_generated/api";

/** Every rate limit in the app, declared once. */
export const rateLimiter = new RateLimiter(components.rateLimiter, {
  /** All grant attempts across the deployment. */
  grantAttemptsGlobal: { kind: "token bucket", rate: 600, period: MINUTE, shards: 4 },
  /** Grant attempts on one link (key: linkId). */
  grantAttemptsPerLink: { kind: "token bucket", rate: 120, period: MINUTE },
  /** Wrong passwords on one link from anyone (key: linkId): slows guessing, never refuses a grant holder. */
  passwordFailuresPerLink: { kind: "token bucket", rate: 10, period: MINUTE },
  /** Consecutive wrong passwords by one viewer on one link (key: linkId:viewerId); reset on success. */
  passwordFailuresPerViewer: { kind: "token bucket", rate: 5, period: HOUR },
  /** The lock a viewer earns after 5 consecutive failures: one token per 10 minutes. */
  viewerLockout: { kind: "token bucket", rate: 1, period: 10 * MINUTE },
  /** Media requests per grant (key: grant:<id>) or raw link (key: link:<id>): a player's range requests fit easily; a scraper does not saturate the server. */
  mediaRequests: { kind: "token bucket", rate: 1200, period: MINUTE, capacity: 300 },
  /** HTTP API: requests per key, links minted per key, public calls per client address. */
  apiRequestsPerKey: { kind: "fixed window", rate: 1000, period: HOUR },
  apiMintsPerKey: { kind: "token bucket", rate: 120, period: MINUTE },
  apiPublicInfo: { kind: "token bucket", rate: 60, period: MINUTE },
  apiPublicDownload: { kind: "token bucket", rate: 30, period: MINUTE },
  /** Share-link creation per user. */
  createLink: { kind: "token bucket", rate: 120, period: MINUTE },
});

export type RateLimitName = keyof NonNullable<typeof rateLimiter.limits>;
