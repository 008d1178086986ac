import { useAuthActions } from "@convex-dev/auth/react";
import { useConvexAuth } from "convex/react";
import { useEffect } from "react";
import { Navigate, useLocation } from "react-router-dom";

/**
 * Where a page lands when the server says its session is gone (signed out in another tab, or
 * expired): this tab signs out too and goes to sign-in, which says why and returns here after.
 */
export function SignedOut() {
  const { signOut } = useAuthActions();
  const { isAuthenticated } = useConvexAuth();
  const { pathname, search } = useLocation();
  useEffect(() => {
    // The session is already gone on the server; this clears this tab's copy of its tokens.
    if (isAuthenticated) void signOut().catch(() => undefined);
  }, [isAuthenticated, signOut]);
  if (isAuthenticated)
    return (
      <p className="center muted" role="status">
        Signing out…
      </p>
    );
  return <Navigate to="/signin" replace state={{ from: pathname + search, signedOut: true }} />;
}
