/**
 * How many actions run at once, as Convex bounds them (crates/application/src/application_function_runner/mod.rs
 * `Limiter`): a semaphore of permits per environment, one held for each running action. Default-runtime
 * actions and HTTP actions share one (APPLICATION_MAX_CONCURRENT_V8_ACTIONS: "This does apply to HTTP
 * actions and does NOT apply to Node actions"); "use node" actions have their own
 * (APPLICATION_MAX_CONCURRENT_NODE_ACTIONS). A call from a client, an HTTP request or an action's
 * runAction waits at most APPLICATION_FUNCTION_RUNNER_ACTION_SEMAPHORE_TIMEOUT for a permit, then is
 * refused with Convex's TooManyConcurrentRequests (`acquire_permit_with_timeout`); a scheduled job or
 * a cron waits as long as it takes (`run_action_no_udf_log(…, wait_for_permit: true)`).
 */

/** crates/common/src/knobs.rs DEFAULT_APPLICATION_MAX_FUNCTION_CONCURRENCY: the free tier's limit, which words the refusal. */
const DEFAULT_FUNCTION_CONCURRENCY = 16;

/** knobs.rs APPLICATION_MAX_CONCURRENT_V8_ACTIONS (64): default-runtime actions and HTTP actions at once. */
export const MAX_CONCURRENT_V8_ACTIONS = Number(process.env.APPLICATION_MAX_CONCURRENT_V8_ACTIONS) || 64;
/** knobs.rs APPLICATION_MAX_CONCURRENT_NODE_ACTIONS (64): "use node" actions at once. */
export const MAX_CONCURRENT_NODE_ACTIONS = Number(process.env.APPLICATION_MAX_CONCURRENT_NODE_ACTIONS) || 64;
/** knobs.rs APPLICATION_FUNCTION_RUNNER_ACTION_SEMAPHORE_TIMEOUT (10,000 ms): how long an action waits for a permit. */
export const ACTION_PERMIT_TIMEOUT_MS = Number(process.env.APPLICATION_FUNCTION_RUNNER_ACTION_SEMAPHORE_TIMEOUT) || 10_000;

/** The refusal's code: ErrorMetadata::rate_limited, answered 429 Too Many Requests (crates/errors/src/lib.rs). */
export const TOO_MANY_CONCURRENT_REQUESTS = "TooManyConcurrentRequests";

/** mod.rs `acquire_permit_with_timeout`'s message, for a limiter of actions. */
export function tooManyConcurrentActions(limit: number): string {
  const more =
    limit > DEFAULT_FUNCTION_CONCURRENCY
      ? "If you need more resources, please contact support."
      : "To get more resources, upgrade to Convex Pro. If you are already on Convex Pro, please contact support.";
  return `Too many concurrent requests. Your backend is limited to ${limit} concurrent actions. ${more}`;
}

/** No permit freed within the timeout: Convex's rate-limited error (HTTP 429). */
export class TooManyConcurrentRequests extends Error {
  readonly code = TOO_MANY_CONCURRENT_REQUESTS;
  readonly status = 429;
}

export type Permit = { release(): void };

export class ActionPermits {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly limit: number,
    private readonly timeoutMs = ACTION_PERMIT_TIMEOUT_MS,
  ) {}

  /** Actions holding a permit now. */
  get active(): number {
    return this.running;
  }

  /**
   * A permit, at once if one is free, else the first one freed, in arrival order; with
   * `wait: "timeout"`, refused after the timeout. Give it back with `release` (once).
   */
  acquire(wait: "timeout" | "forever"): Promise<Permit> {
    if (this.running < this.limit && this.waiting.length === 0) return Promise.resolve(this.grant());
    return new Promise<Permit>((resolve, reject) => {
      const take = () => {
        if (timer) clearTimeout(timer);
        resolve(this.grant());
      };
      const timer =
        wait === "timeout"
          ? setTimeout(() => {
              const at = this.waiting.indexOf(take);
              if (at >= 0) this.waiting.splice(at, 1);
              reject(new TooManyConcurrentRequests(tooManyConcurrentActions(this.limit)));
            }, this.timeoutMs)
          : null;
      this.waiting.push(take);
    });
  }

  private grant(): Permit {
    this.running++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.running--;
        const next = this.waiting.shift();
        if (next) next();
      },
    };
  }
}
