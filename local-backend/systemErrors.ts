/**
 * Errors of the deployment, not of the function (crates/errors/src/lib.rs `ErrorMetadata` with an
 * OCC or Overloaded code): a client never sees them as its function's failure. Over HTTP they are
 * 503 with `{ code, message }` (`ErrorCode::http_status_code`); over the WebSocket the server
 * closes the connection with 1013 "try again" and the code as its reason (`close_frame`), so the
 * client reconnects and sends its unacknowledged mutations again.
 */
export class SystemError extends Error {
  readonly status = 503;
  /** RFC 6455 1013 (Try Again Later): `CloseCode::Again`. */
  readonly closeCode = 1013;
  constructor(
    readonly code: "OptimisticConcurrencyControlFailure" | "Busy",
    message: string,
  ) {
    super(message);
  }
}

/** `ErrorMetadata::user_occ`: a mutation whose reads kept changing, on every retry. */
export const userOcc = (table: string | null) =>
  new SystemError(
    "OptimisticConcurrencyControlFailure",
    `Documents read from or written to ${table ? `the "${table}" table` : "some table"} changed while this mutation was being run and on every subsequent retry. See https://docs.convex.dev/error#1`,
  );

/** `ErrorMetadata::overloaded("Busy", …)`, as the `throwOverloaded` test syscall raises it. */
export const overloaded = () => new SystemError("Busy", "I'm a bit busy.");
