/**
 * Contention management for optimistic mutations: mutations run side by side (shared), but a
 * mutation that already lost a conflict runs its retry alone (exclusive) — it waits for the
 * mutations already running to finish, and new ones wait for it. A retry then conflicts only
 * with commits that are not mutations (an action's storage or scheduling write, an upload, an
 * import), so a hot document written by many clients at once costs retries, not failures,
 * while non-conflicting mutations keep every worker busy. Exclusive waiters go first
 * (a stream of new mutations cannot starve a retry), in arrival order.
 */
export type Release = () => void;

export class MutationGate {
  private running = 0;
  private exclusiveHeld = false;
  private readonly exclusiveWaiting: Array<() => void> = [];
  private readonly sharedWaiting: Array<() => void> = [];

  /** Mutations running now (shared or exclusive). */
  get active(): number {
    return this.running + (this.exclusiveHeld ? 1 : 0);
  }

  shared(): Promise<Release> {
    if (!this.exclusiveHeld && this.exclusiveWaiting.length === 0) return Promise.resolve(this.grantShared());
    return new Promise((resolve) => this.sharedWaiting.push(() => resolve(this.grantShared())));
  }

  exclusive(): Promise<Release> {
    if (!this.exclusiveHeld && this.running === 0 && this.exclusiveWaiting.length === 0) return Promise.resolve(this.grantExclusive());
    return new Promise((resolve) => this.exclusiveWaiting.push(() => resolve(this.grantExclusive())));
  }

  private grantShared(): Release {
    this.running++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      this.next();
    };
  }

  private grantExclusive(): Release {
    this.exclusiveHeld = true;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.exclusiveHeld = false;
      this.next();
    };
  }

  private next() {
    if (this.exclusiveHeld) return;
    if (this.exclusiveWaiting.length > 0) {
      if (this.running === 0) this.exclusiveWaiting.shift()!();
      return;
    }
    while (this.sharedWaiting.length > 0) this.sharedWaiting.shift()!();
  }
}
