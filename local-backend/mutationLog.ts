/**
 * Responses of recent mutations per client session, so a mutation the client re-sends after a
 * reconnect (same sessionId, same requestId) is answered instead of run twice — and nothing more:
 * a bounded number per session, small acknowledgements instead of large responses, forgotten a
 * short while after the session's last connection closes, a bounded number of sessions and bytes.
 */
import {
  MAX_REMEMBERED_BYTES,
  MAX_REMEMBERED_RESPONSE_BYTES,
  MAX_REMEMBERED_SESSIONS,
  MUTATION_RESULTS_GRACE_MS,
  MUTATION_RESULTS_PER_SESSION,
} from "./syncLimits";

export type MutationResponse = { type: "MutationResponse"; requestId: unknown; success: boolean } & Record<string, unknown>;
/** A response as it is sent again: its JSON, and whether the mutation committed. */
export type Remembered = { success: boolean; text: string };

export type MutationLogLimits = {
  perSession: number;
  responseBytes: number;
  graceMs: number;
  sessions: number;
  bytes: number;
};

export const defaultMutationLogLimits: MutationLogLimits = {
  perSession: MUTATION_RESULTS_PER_SESSION,
  responseBytes: MAX_REMEMBERED_RESPONSE_BYTES,
  graceMs: MUTATION_RESULTS_GRACE_MS,
  sessions: MAX_REMEMBERED_SESSIONS,
  bytes: MAX_REMEMBERED_BYTES,
};

type Entry = { owner: string | null; result: Promise<Remembered> | Remembered };
type Session = { entries: Map<number, Entry>; bytes: number; connections: number; expiry: NodeJS.Timeout | null };

const MESSAGE_KEPT = 1024;

/** What is kept of a response: itself when small; otherwise an acknowledgement that says what happened. */
export function remember(response: MutationResponse, maxBytes: number): Remembered {
  const text = JSON.stringify(response);
  if (text.length <= maxBytes) return { success: response.success, text };
  if (!response.success) {
    const message = String(response.result);
    const short = message.length > MESSAGE_KEPT ? `${message.slice(0, MESSAGE_KEPT)}…` : message;
    return {
      success: false,
      text: JSON.stringify({ type: "MutationResponse", requestId: response.requestId, success: false, result: short, logLines: [] }),
    };
  }
  const ack = {
    type: "MutationResponse",
    requestId: response.requestId,
    success: false,
    result: `This mutation already ran before the connection dropped; its result (${text.length} bytes) is too large to send again.`,
    errorData: { code: "MutationResultNotKept", bytes: text.length },
    logLines: [],
  };
  return { success: false, text: JSON.stringify(ack) };
}

export class MutationLog {
  /** In least-recently-used order (a session is moved to the end when used). */
  private sessions = new Map<string, Session>();
  private totalBytes = 0;

  constructor(private limits: MutationLogLimits = defaultMutationLogLimits) {}

  get sessionCount() {
    return this.sessions.size;
  }
  get bytes() {
    return this.totalBytes;
  }
  /** Remembered requests of one session (for tests). */
  entries(sessionId: string) {
    return this.sessions.get(sessionId)?.entries.size ?? 0;
  }

  /**
   * The response to request `requestId` of `sessionId`: the one remembered from an earlier run
   * (if it ran as the same `owner`), or else `run()`'s. `fresh` tells the caller whether `run` ran.
   */
  async respond(
    sessionId: string,
    requestId: number,
    owner: string | null,
    run: () => Promise<MutationResponse>,
  ): Promise<{ fresh: MutationResponse } | { again: Remembered }> {
    const session = this.touch(sessionId);
    const known = session.entries.get(requestId);
    if (known && known.owner === owner) return { again: await known.result };
    const running = run();
    const entry: Entry = { owner, result: running.then((r) => remember(r, this.limits.responseBytes)) };
    this.put(session, requestId, entry);
    let response: MutationResponse;
    try {
      response = await running;
    } catch (error) {
      // No answer to remember (a system error closes the connection): the client sends it again.
      if (session.entries.get(requestId) === entry) session.entries.delete(requestId);
      throw error;
    }
    const kept = await entry.result;
    // Store the settled form, unless the session or entry has been forgotten meanwhile.
    if (this.sessions.get(sessionId) === session && session.entries.get(requestId) === entry) {
      entry.result = kept;
      session.bytes += kept.text.length;
      this.totalBytes += kept.text.length;
      this.evict(session);
    }
    return { fresh: response };
  }

  /** A connection for `sessionId` opened: its results stay. */
  connected(sessionId: string) {
    const session = this.touch(sessionId);
    session.connections++;
    if (session.expiry) clearTimeout(session.expiry);
    session.expiry = null;
  }

  /** A connection for `sessionId` closed: once none is left, its results go after the grace period. */
  disconnected(sessionId: string) {
    const session = this.sessions.get(sessionId);
    if (!session) return;
    session.connections = Math.max(0, session.connections - 1);
    if (session.connections > 0 || session.expiry) return;
    session.expiry = setTimeout(() => {
      if (this.sessions.get(sessionId) === session && session.connections === 0) this.forget(sessionId);
    }, this.limits.graceMs);
    session.expiry.unref();
  }

  private touch(sessionId: string): Session {
    let session = this.sessions.get(sessionId);
    if (session) this.sessions.delete(sessionId);
    else session = { entries: new Map(), bytes: 0, connections: 0, expiry: null };
    this.sessions.set(sessionId, session);
    this.evict(session);
    return session;
  }

  private put(session: Session, requestId: number, entry: Entry) {
    this.drop(session, requestId);
    session.entries.set(requestId, entry);
    while (session.entries.size > this.limits.perSession) this.drop(session, session.entries.keys().next().value as number);
  }

  private drop(session: Session, requestId: number) {
    const entry = session.entries.get(requestId);
    if (!entry) return;
    session.entries.delete(requestId);
    if (!(entry.result instanceof Promise)) {
      session.bytes -= entry.result.text.length;
      this.totalBytes -= entry.result.text.length;
    }
  }

  /** Forgets the least recently used sessions (never `keep`) while over the session or byte budget. */
  private evict(keep: Session) {
    for (const [id, session] of this.sessions) {
      if (this.sessions.size <= this.limits.sessions && this.totalBytes <= this.limits.bytes) return;
      if (session !== keep) this.forget(id);
    }
  }

  private forget(sessionId: string) {
    const session = this.sessions.get(sessionId);
    if (!session) return;
    if (session.expiry) clearTimeout(session.expiry);
    this.totalBytes -= session.bytes;
    this.sessions.delete(sessionId);
  }
}
