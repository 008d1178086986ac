/**
 * The commits a running execution may not have seen. An execution reads one snapshot (the
 * commits up to `seq` when it started); before its result counts, the commits after that
 * snapshot are checked against what it read: a mutation that read something a later commit
 * wrote must run again (optimistic concurrency control, as Convex's committer checks a
 * transaction's read set against the writes committed since its begin timestamp), and a query
 * whose answer is already stale runs again at a newer snapshot.
 *
 * Commits are kept only while some open snapshot is older than them.
 */
import type { ReadSet, WriteSet } from "./readSet";

/** A snapshot an execution holds open: the commit sequence number it read at. */
export type SnapshotTicket = { readonly seq: number };

export class CommitLog {
  private seq = 0;
  private commits: Array<{ seq: number; writes: WriteSet }> = [];
  /** Open snapshots by the sequence number they read at, with how many hold each. */
  private readonly open = new Map<number, number>();

  /** The sequence number of the latest commit. */
  get latest(): number {
    return this.seq;
  }

  /** Opens a snapshot at the latest commit (call in the same synchronous step as opening the read transaction). */
  openSnapshot(): SnapshotTicket {
    this.open.set(this.seq, (this.open.get(this.seq) ?? 0) + 1);
    return { seq: this.seq };
  }

  closeSnapshot(ticket: SnapshotTicket) {
    const left = (this.open.get(ticket.seq) ?? 1) - 1;
    if (left > 0) this.open.set(ticket.seq, left);
    else this.open.delete(ticket.seq);
    this.trim();
  }

  /** A commit happened (in the same synchronous step as the database commit). */
  record(writes: WriteSet) {
    this.seq++;
    if (this.open.size > 0) this.commits.push({ seq: this.seq, writes });
  }

  /** The first commit after `ticket` that wrote something `reads` covers, or null. */
  conflict(ticket: SnapshotTicket, reads: ReadSet): WriteSet | null {
    for (const commit of this.commits) if (commit.seq > ticket.seq && reads.overlaps(commit.writes)) return commit.writes;
    return null;
  }

  /** How many commits are kept (for tests: bounded by the open snapshots). */
  get kept(): number {
    return this.commits.length;
  }

  private trim() {
    if (this.commits.length === 0) return;
    if (this.open.size === 0) {
      this.commits = [];
      return;
    }
    const oldest = Math.min(...this.open.keys());
    if (this.commits[0].seq <= oldest) this.commits = this.commits.filter((c) => c.seq > oldest);
  }
}
