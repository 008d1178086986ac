import type { ReactNode } from "react";
import type { TokenStatus } from "../../convex/shareLinks";
import { useTimedStatus } from "../lib/timedStatus";

/**
 * A password link's status brought up to the clock (lib/timedStatus.ts): its own chunk, loaded
 * only for password links, so a link without one pays nothing for it.
 */
export function TimedStatus({ status, children }: { status: TokenStatus; children: (shown: TokenStatus) => ReactNode }) {
  return <>{children(useTimedStatus(status) ?? status)}</>;
}
