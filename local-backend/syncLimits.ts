/**
 * Bounds on what one WebSocket client can make the backend hold. Each is read once from the
 * environment (as Convex's knobs in `crates/common/src/knobs.rs` are), so tests and benchmarks
 * can lower or raise them.
 */
const knob = (name: string, fallback: number) => {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : fallback;
};

/**
 * Convex's `FUNCTION_MAX_ARGS_SIZE` knob: "Maximum size in bytes of arguments to a function",
 * 1 << 24 (16 MiB).
 */
export const FUNCTION_MAX_ARGS_SIZE = 1 << 24;

/**
 * Largest WebSocket message accepted (`ws` maxPayload): one function's arguments at Convex's cap
 * plus room for the message around them (type, udfPath, requestId, componentPath). A bigger
 * frame closes the socket with 1009 (Message Too Big) before its payload is buffered.
 */
export const MAX_WS_MESSAGE_BYTES = knob("LOCAL_BACKEND_MAX_WS_MESSAGE_BYTES", FUNCTION_MAX_ARGS_SIZE + 64 * 1024);

/**
 * Queries one connection may subscribe to. Convex's sync worker has no query-set size limit
 * (only `OPERATION_QUEUE_BUFFER_SIZE` = 1000 pending mutations / actions per socket), so this is
 * our own: far above what a page of the app subscribes to, low enough that one socket's query
 * set stays small. Further `Add`s are answered with a QueryFailed (code TooManyQueries).
 */
export const MAX_QUERIES_PER_CONNECTION = knob("LOCAL_BACKEND_MAX_QUERIES_PER_CONNECTION", 4096);

/** Total bytes of subscribed queries' arguments on one connection (one function's argument cap). */
export const MAX_QUERY_ARGS_BYTES_PER_CONNECTION = knob("LOCAL_BACKEND_MAX_QUERY_ARGS_BYTES", FUNCTION_MAX_ARGS_SIZE);
/**
 * The same across every connection from one client address: without it, sockets each at their
 * own cap grew the server ~35 MiB apiece (no sign-in needed). Per address, never over all, so
 * nobody elsewhere can spend it; the app's own queries take a few hundred bytes each.
 */
export const MAX_QUERY_ARGS_BYTES_PER_ADDRESS = knob("LOCAL_BACKEND_MAX_QUERY_ARGS_BYTES_PER_ADDRESS", 4 * FUNCTION_MAX_ARGS_SIZE);
/**
 * Across every connection of every address. Past it, an address may still subscribe up to its
 * fair share (this total over the addresses holding any), and never past twice the total: many
 * addresses each at their own cap cannot take the server's memory (one attack grew it 20 MiB per
 * socket until the heap ran out), and the few hundred bytes a real page subscribes with are
 * refused only once the server holds twice this much.
 */
export const MAX_QUERY_ARGS_BYTES_TOTAL = knob("LOCAL_BACKEND_MAX_QUERY_ARGS_BYTES_TOTAL", 4 * FUNCTION_MAX_ARGS_SIZE);

/**
 * Bytes of mutation and action messages one connection may have waiting to run. Beyond it the
 * socket stops being read (TCP backpressure on the client) until they drain. Across all
 * connections, `MAX_PENDING_BYTES` does the same.
 */
export const MAX_PENDING_BYTES_PER_CONNECTION = knob("LOCAL_BACKEND_MAX_PENDING_BYTES_PER_CONNECTION", 2 * MAX_WS_MESSAGE_BYTES);
export const MAX_PENDING_BYTES = knob("LOCAL_BACKEND_MAX_PENDING_BYTES", 4 * MAX_WS_MESSAGE_BYTES);
/** Mutations and actions one connection may have waiting (Convex's `OPERATION_QUEUE_BUFFER_SIZE`). */
export const MAX_PENDING_OPERATIONS_PER_CONNECTION = knob("LOCAL_BACKEND_MAX_PENDING_OPERATIONS_PER_CONNECTION", 1000);

/**
 * Mutation results remembered per client session, so a mutation re-sent after a reconnect (same
 * sessionId and requestId) is answered, not run twice. A client has at most
 * `MAX_PENDING_OPERATIONS_PER_CONNECTION` in flight, so older ones are never re-sent.
 */
export const MUTATION_RESULTS_PER_SESSION = knob("LOCAL_BACKEND_MUTATION_RESULTS_PER_SESSION", MAX_PENDING_OPERATIONS_PER_CONNECTION);
/** A remembered response is kept verbatim up to this size; a larger one is kept as a short acknowledgement. */
export const MAX_REMEMBERED_RESPONSE_BYTES = knob("LOCAL_BACKEND_MAX_REMEMBERED_RESPONSE_BYTES", 4 * 1024);
/** How long a session's results outlive its last connection (the client reconnects within seconds). */
export const MUTATION_RESULTS_GRACE_MS = knob("LOCAL_BACKEND_MUTATION_RESULTS_GRACE_MS", 60_000);
/** Sessions whose results are remembered at once; the least recently used are forgotten first. */
export const MAX_REMEMBERED_SESSIONS = knob("LOCAL_BACKEND_MAX_REMEMBERED_SESSIONS", 10_000);
/** Total bytes of remembered responses across sessions. */
export const MAX_REMEMBERED_BYTES = knob("LOCAL_BACKEND_MAX_REMEMBERED_BYTES", 32 * 1024 * 1024);
