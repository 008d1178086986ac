/**
 * Scheduled functions (`_scheduled_functions` rows, persisted with the data, so they
 * survive a restart) and cron jobs from convex/crons.ts, on real time.
 */
import type { Value } from "convex/values";
import { parseDoc, type Doc } from "./database";
import type { Engine } from "./engine";
import type { Component } from "./exec";
import type { CronSpec } from "./loader";
import { intervalOf, nextRun } from "./cronSchedule";
import { FunctionError } from "./functionError";

/**
 * A failed job's `state.error`: crates/application/src/scheduled_jobs/mod.rs stores
 * `Failed(e.to_string())` of the function's JsError, which prints its message, a newline, then
 * one line per frame (crates/common/src/errors.rs `JsError` Debug).
 */
const failureText = (error: unknown) => (error instanceof FunctionError ? `${error.message}\n${error.frames}` : (error as Error).message);

type Job = Doc & { name: string; componentPath: string; args: Value[]; scheduledTime: number; state: { kind: string } };

export class Scheduler {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private stopped = false;
  private crons: Record<string, CronSpec> = {};
  private cronTimers: NodeJS.Timeout[] = [];

  constructor(
    private engine: Engine,
    private report: (line: string) => void,
  ) {}

  start() {
    this.stopped = false;
    void this.recover()
      .catch((error: Error) => this.report(`Could not settle interrupted scheduled functions: ${error.message}`))
      .finally(() => this.wake());
  }

  stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const t of this.cronTimers) clearTimeout(t);
  }

  /** Every scheduled-function table: the app's and each component's. */
  private tables(): string[] {
    const keys: string[] = [];
    const walk = (c: Component) => {
      keys.push(`${c.path}:_scheduled_functions`);
      for (const child of c.children.values()) walk(child);
    };
    walk(this.engine.app);
    return keys;
  }

  /** Looks for due jobs now and sets a timer for the next one. */
  wake() {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), 0);
  }

  private nextDue(): { job: Job; tableKey: string } | null {
    const store = this.engine.store;
    let best: { job: Job; tableKey: string } | null = null;
    for (const tableKey of this.tables()) {
      const { low, high } = store.bounds(tableKey, "by_scheduledTime", []);
      let after: Buffer | null = null;
      for (;;) {
        const rows = store.scan(tableKey, "by_scheduledTime", low, high, "asc", after);
        if (rows.length === 0) break;
        let job: Job | undefined;
        for (const row of rows) {
          const candidate = parseDoc(row.json) as unknown as Job;
          if (candidate.state.kind === "pending") {
            job = candidate;
            break;
          }
        }
        if (job) {
          if (!best || job.scheduledTime < best.job.scheduledTime) best = { job, tableKey };
          break;
        }
        after = rows[rows.length - 1].key;
      }
    }
    return best;
  }

  private async tick() {
    if (this.running || this.stopped) return;
    this.running = true;
    try {
      for (;;) {
        const next = await this.engine.serial(async () => this.nextDue());
        if (!next) return;
        const wait = next.job.scheduledTime - Date.now();
        if (wait > 0) {
          this.timer = setTimeout(() => void this.tick(), Math.min(wait, 2 ** 31 - 1));
          return;
        }
        await this.runJob(next.tableKey, next.job);
      }
    } finally {
      this.running = false;
    }
  }

  private setState(tableKey: string, job: Job, state: { kind: string }) {
    return this.engine.write({ type: "mutation", componentPath: job.componentPath } as never, (inner) => {
      const current = this.engine.store.get(job._id) as Job | null;
      if (!current) return null;
      this.engine.store.write(tableKey, withState(current, state), current, inner.writes);
      return current;
    });
  }

  /**
   * A mutation runs exactly once (crates/application/src/scheduled_jobs/mod.rs): its job is
   * marked done in the mutation's own transaction, so after a crash (kill -9) it is either still
   * pending and runs, or done and does not. An action runs at most once: it is marked inProgress
   * first, and one found inProgress at start failed with Convex's "Transient error while
   * executing action".
   */
  private async runJob(tableKey: string, job: Job) {
    const target = job.componentPath ?? tableKey.slice(0, tableKey.lastIndexOf(":"));
    let kind = "mutation";
    try {
      const fn = this.engine.resolve(target, job.name);
      kind = fn.isAction ? "action" : "mutation";
      const args = (job.args[0] ?? {}) as Record<string, Value>;
      if (kind === "action") {
        await this.setState(tableKey, job, { kind: "inProgress" });
        // A scheduled action waits for its permit as long as it takes (crates/application/src/scheduled_jobs/mod.rs).
        await this.engine.run("action", target, job.name, args, null, { waitForPermit: true });
        await this.setState(tableKey, job, { kind: "success" });
        return;
      }
      await this.engine.run("mutation", target, job.name, args, null, {
        beforeCommit: (exec) => {
          const current = this.engine.store.get(job._id) as Job | null;
          // Canceled (or done) since it was found due: the mutation's writes are rolled back.
          if (!current || current.state.kind !== "pending") throw new NotPending();
          this.engine.store.write(tableKey, withState(current, { kind: "success" }), current, exec.writes);
        },
      });
    } catch (error) {
      if (error instanceof NotPending) return;
      this.report(`Scheduled ${kind} ${job.name} failed: ${(error as Error).message}`);
      await this.setState(tableKey, job, { kind: "failed", error: failureText(error) } as never);
    }
  }

  /** After a restart: jobs a crash left inProgress (actions; mutations never are) are settled. */
  async recover() {
    const store = this.engine.store;
    {
      for (const tableKey of this.tables()) {
        const stuck: Job[] = [];
        const { low, high } = store.bounds(tableKey, "by_scheduledTime", []);
        let after: Buffer | null = null;
        for (;;) {
          const rows = store.scan(tableKey, "by_scheduledTime", low, high, "asc", after);
          if (rows.length === 0) break;
          for (const row of rows) {
            const job = parseDoc(row.json) as unknown as Job;
            if (job.state.kind === "inProgress") stuck.push(job);
          }
          after = rows[rows.length - 1].key;
        }
        for (const job of stuck) {
          const target = job.componentPath ?? tableKey.slice(0, tableKey.lastIndexOf(":"));
          let isAction = true;
          try {
            isAction = Boolean(this.engine.resolve(target, job.name).isAction);
          } catch {
            // A function that no longer exists: settled as failed.
          }
          const state = isAction ? { kind: "failed", error: "Transient error while executing action" } : { kind: "pending" };
          await this.setState(tableKey, job, state);
        }
      }
    }
  }

  /** Every cron schedule Convex offers (cronSchedule.ts); the next run time is kept across restarts. */
  setCrons(crons: Record<string, CronSpec>) {
    for (const t of this.cronTimers) clearTimeout(t);
    this.cronTimers = [];
    this.crons = crons;
    const store = this.engine.store;
    for (const [name, spec] of Object.entries(crons)) {
      const key = `cron:${name}`;
      const schedule = JSON.stringify(spec.schedule);
      const next = (after: number) => {
        try {
          return nextRun(spec.schedule, after);
        } catch (error) {
          this.report(`Cron "${name}" has a schedule that cannot run: ${(error as Error).message}`);
          return null;
        }
      };
      const arm = (at: number | null) => {
        if (at === null) return;
        store.setMeta(key, JSON.stringify({ at, schedule }));
        this.cronTimers.push(setTimeout(() => void fire(at), Math.max(0, Math.min(at - Date.now(), 2 ** 31 - 1))));
      };
      const fire = async (at: number) => {
        if (this.stopped) return;
        if (at > Date.now()) return arm(at); // a timer longer than setTimeout allows, re-armed
        try {
          const fn = this.engine.resolve("", spec.name);
          // A cron's action waits for its permit as long as it takes (crates/application/src/cron_jobs/mod.rs).
          await this.engine.run(fn.isAction ? "action" : "mutation", "", spec.name, (spec.args[0] ?? {}) as Record<string, Value>, null, {
            waitForPermit: true,
          });
        } catch (error) {
          this.report(`Cron "${name}" failed: ${(error as Error).message}`);
        }
        // Intervals keep their rhythm; a run that was missed while stopped happens once, not many times.
        const following = next(intervalOf(spec.schedule) !== null ? at : Date.now());
        await this.engine.serial(async () => arm(following === null ? null : Math.max(following, Date.now())));
      };
      const saved = savedRun(store.getMeta(key));
      arm(saved && saved.schedule === schedule ? saved.at : next(Date.now()));
    }
  }
}

class NotPending extends Error {}

/** The job with a new state; completedTime once it is settled, none while pending or running. */
function withState(job: Job, state: { kind: string }): Doc {
  const { completedTime: _previous, ...rest } = job as Job & { completedTime?: number };
  const settled = state.kind !== "pending" && state.kind !== "inProgress";
  return { ...rest, state, ...(settled ? { completedTime: Date.now() } : {}) } as unknown as Doc;
}

function savedRun(text: string | null): { at: number; schedule: string } | null {
  try {
    const value = JSON.parse(text ?? "null") as { at?: unknown; schedule?: unknown } | null;
    return value && typeof value.at === "number" && typeof value.schedule === "string" ? { at: value.at, schedule: value.schedule } : null;
  } catch {
    return null;
  }
}
