/**
 * Bytes of client requests received and not yet answered, per connection and over all of them.
 * Past a connection's budget (or the overall one) the connection stops being read — TCP
 * backpressure on the client — until its requests drain; past a count of waiting requests a new
 * one is refused outright.
 */
export type Pausable = { pause(): void; resume(): void };
export type BudgetLimits = { bytesPerConnection: number; bytes: number; operationsPerConnection: number };

export class PendingBudget {
  bytes = 0;
  private paused = new Set<ConnectionBudget>();

  constructor(readonly limits: BudgetLimits) {}

  connection(target: Pausable): ConnectionBudget {
    return new ConnectionBudget(this, target);
  }

  /** @internal */
  changed(connection: ConnectionBudget) {
    if (connection.over() || this.bytes > this.limits.bytes) {
      if (!this.paused.has(connection)) {
        this.paused.add(connection);
        connection.target.pause();
      }
      return;
    }
    if (this.bytes > this.limits.bytes) return;
    for (const waiting of this.paused) {
      if (waiting.over()) continue;
      this.paused.delete(waiting);
      waiting.target.resume();
    }
  }

  /** @internal */
  closed(connection: ConnectionBudget) {
    this.paused.delete(connection);
  }
}

export class ConnectionBudget {
  bytes = 0;
  operations = 0;

  constructor(
    private budget: PendingBudget,
    readonly target: Pausable,
  ) {}

  over() {
    return this.bytes > this.budget.limits.bytesPerConnection;
  }

  /** Counts `bytes` as waiting until `run()` settles; null (nothing run) when too many requests already wait. */
  hold<T>(bytes: number, run: () => Promise<T>): Promise<T> | null {
    if (this.operations >= this.budget.limits.operationsPerConnection) return null;
    this.operations++;
    this.bytes += bytes;
    this.budget.bytes += bytes;
    this.budget.changed(this);
    const release = () => {
      this.operations--;
      this.bytes -= bytes;
      this.budget.bytes -= bytes;
      this.budget.changed(this);
    };
    const running = run();
    running.then(release, release);
    return running;
  }

  close() {
    this.budget.closed(this);
  }
}
