/**
 * Convex's limits on what one function execution may do, with Convex's numbers. Each cites
 * where Convex defines it (get-convex/convex-backend).
 */

/** crates/isolate/src/environment/helpers/mod.rs `MAX_LOG_LINES`; docs production/state/limits.mdx "Log lines per function". */
export const MAX_LOG_LINES = 256;
/**
 * docs production/state/limits.mdx "Length of a console.log line: 4 KiB". (The backend's code
 * truncates at crates/common/src/log_lines.rs `MAX_LOG_LINE_LENGTH` = 32768; the documented,
 * stricter number is kept so nothing relies on longer lines.)
 */
export const MAX_LOG_LINE_BYTES = 4096;
/** crates/common/src/log_lines.rs `TRUNCATED_LINE_SUFFIX`. */
export const TRUNCATED_LINE_SUFFIX = " (truncated due to length)";
