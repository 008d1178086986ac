import { lazy, Suspense, useEffect, useRef, useState } from "react";
import { ReconnectingBanner, ShareSkeleton } from "../components/ShareShell";
import type { Refusal } from "../../convex/lib/refusals";
import { REFUSALS, type RefusalFacts } from "../../convex/lib/refusalTable";
import { looksLikeSlug, looksLikeToken } from "../../convex/lib/tokens";
import { unreachable } from "../../convex/lib/unreachable";
import { fetchSlugTicket, useRequestGrant } from "../hooks/useRequestGrant";
import { useShareGrant, viewerId } from "../hooks/useShareGrant";
import { useShareToken } from "../hooks/useShareToken";
import { useTitle } from "../hooks/useTitle";
import { errorMessage } from "../lib/errors";
import { liveApi, useLiveQuery } from "../lib/live";
import { refusalText } from "../lib/refusalText";
import type { TokenStatus } from "../../convex/shareLinks";

// The player is not needed for the first paint (the skeleton): its chunk is fetched as this module
// runs, alongside the WebSocket's handshake and the grant's round trips, and rendered once granted.
const sharePlayer = import("../components/SharePlayer");
const SharePlayer = lazy(() => sharePlayer.then((m) => ({ default: m.SharePlayer })));
// Loaded only for the links that need them: a video link without a password loads neither.
const CollectionPlayer = lazy(() => import("../components/CollectionPlayer").then((m) => ({ default: m.CollectionPlayer })));
const PasswordForm = lazy(() => import("../components/PasswordForm").then((m) => ({ default: m.PasswordForm })));
// Password links' answers change with the clock (expiry, a lock's end): applied in a chunk of their own.
const TimedStatus = lazy(() => import("../components/TimedStatus").then((m) => ({ default: m.TimedStatus })));

/** Keeps the share page out of search engines and stops it sending a Referer. */
function usePrivatePage() {
  useEffect(() => {
    const metas = [
      Object.assign(document.createElement("meta"), { name: "robots", content: "noindex, nofollow" }),
      Object.assign(document.createElement("meta"), { name: "referrer", content: "no-referrer" }),
    ];
    metas.forEach((m) => document.head.appendChild(m));
    return () => metas.forEach((m) => m.remove());
  }, []);
}

export function SharePage() {
  usePrivatePage();
  const token = useShareToken();
  const viewer = useRef(viewerId()).current;
  const slug = useSlugTicket(token);
  const status = useLiveQuery(liveApi.shareLinks.getByToken, slug.ready ? { token, viewerId: viewer, slugTicket: slug.ticket } : "skip");
  const { grant, setGrant } = useShareGrant(token);
  /** The grant came from the password form just now: the player's title takes the focus. */
  const [unlocked, setUnlocked] = useState(false);
  const view = useLiveQuery(liveApi.videos.getByShareGrant, grant ? { grantToken: grant.grantToken } : "skip");
  // A collection link's grant: null for video links, as `view` is null for collection links.
  const collection = useLiveQuery(liveApi.collections.getByShareGrant, grant ? { grantToken: grant.grantToken } : "skip");
  const opened = view ?? collection;
  // What this page showed before access ended (a video or a collection), for the words that say it ended.
  const [hadAccess, setHadAccess] = useState<"video" | "collection" | null>(null);
  const issue = useRequestGrant();
  // Why opening the link at once failed: a refusal (drawn as one, heading and all) or a thrown error.
  const [autoRefusal, setAutoRefusal] = useState<{ reason: Refusal; retryAfterMs?: number } | null>(null);
  const [autoError, setAutoError] = useState<string | null>(null);

  useEffect(() => {
    if (opened) setHadAccess(view ? "video" : "collection");
    if (view === null && collection === null) setGrant(null); // the grant stopped working: revoked, expired, password changed
  }, [opened, view, collection, setGrant]);

  // Access ends when the grant (never longer than the link) expires, even with no server change.
  useEffect(() => {
    if (!opened) return;
    const timer = setTimeout(() => setGrant(null), Math.min(Math.max(0, opened.grantExpiresAt - Date.now()), 2 ** 31 - 1));
    return () => clearTimeout(timer);
  }, [opened, setGrant]);

  // A refusal that passes with time (too many attempts from this network) is tried again once it has.
  useEffect(() => {
    const facts: RefusalFacts | undefined = autoRefusal ? REFUSALS[autoRefusal.reason] : undefined;
    if (!autoRefusal?.retryAfterMs || !facts?.retry) return;
    const timer = setTimeout(() => setAutoRefusal(null), Math.min(autoRefusal.retryAfterMs + 250, 2 ** 31 - 1));
    return () => clearTimeout(timer);
  }, [autoRefusal]);

  // A link without a password opens at once.
  useEffect(() => {
    if ((status?.status !== "ok" && status?.status !== "ipCheckRequired") || grant || autoRefusal) return;
    issue({ token, viewerId: viewer, slugTicket: slug.ticket })
      .then((r) =>
        r.ok
          ? setGrant({ grantToken: r.grantToken, expiresAt: r.expiresAt })
          : setAutoRefusal({ reason: r.reason, retryAfterMs: r.retryAfterMs }),
      )
      .catch((e) => setAutoError(errorMessage(e)));
  }, [status?.status, grant, autoRefusal, issue, token, viewer, setGrant, slug.ticket]);

  if (grant && collection)
    return (
      <Suspense fallback={<ShareSkeleton />}>
        <CollectionPlayer view={collection} grantToken={grant.grantToken} focusTitle={unlocked} />
      </Suspense>
    );
  if (grant && view)
    return (
      <Suspense fallback={<ShareSkeleton />}>
        <SharePlayer view={view} grantToken={grant.grantToken} focusTitle={unlocked} />
      </Suspense>
    );
  if (slug.malformed) return <RefusalScreen reason="missing" hadAccess={hadAccess} />;
  if (slug.error)
    return (
      <Shell>
        <h1>Could not open the link</h1>
        <p role="alert">{slug.error}</p>
      </Shell>
    );
  if (status === undefined || (grant && (view === undefined || collection === undefined))) return <ShareSkeleton />;

  /** The screen for `shown`; a password link's answer is first brought up to the clock (`timed`). */
  const screenFor = (shown: TokenStatus, timed: boolean): React.ReactNode => {
    switch (shown.status) {
      case "missing":
      case "expired":
      case "grantExpired":
      case "grantInvalid":
      case "invalidPassword":
      case "rateLimited":
      case "viewLimit":
      case "viewerLimit":
      case "downloadLimit":
      case "downloadDisabled":
      case "ipNotAllowed":
      case "rangeRequired":
      case "commentsOff":
      case "commentsTooFast":
        return <RefusalScreen reason={shown.status} retryAfterMs={shown.retryAfterMs} hadAccess={hadAccess} />;
      case "locked":
      case "passwordRequired":
        if (!timed)
          return (
            <Suspense fallback={<ShareSkeleton />}>
              <TimedStatus status={shown}>{(now) => screenFor(now, true)}</TimedStatus>
            </Suspense>
          );
        if (shown.status === "locked") return <RefusalScreen reason="locked" retryAfterMs={shown.retryAfterMs} hadAccess={hadAccess} />;
        return (
          <Shell>
            {hadAccess && (
              <p role="alert" className="error">
                The password for this link has changed. Enter the new password to keep watching.
              </p>
            )}
            <Suspense fallback={<p className="muted">Loading…</p>}>
              <PasswordForm
                token={token}
                viewer={viewer}
                slugTicket={slug.ticket}
                onGrant={(g) => {
                  setUnlocked(true);
                  setGrant(g);
                }}
              />
            </Suspense>
          </Shell>
        );
      case "ok":
      case "ipCheckRequired":
        return openScreen();
    }
    return unreachable(shown);
  };

  /** A link that looked open: opening it, or why the grant was refused (it expired while watching, a limit, the network…). */
  function openScreen() {
    if (autoRefusal) return <RefusalScreen reason={autoRefusal.reason} retryAfterMs={autoRefusal.retryAfterMs} hadAccess={hadAccess} />;
    return (
      <Shell>
        {autoError ? (
          <p role="alert" className="error">
            {autoError}
          </p>
        ) : (
          <p role="status" className="muted">
            Opening…
          </p>
        )}
      </Shell>
    );
  }
  return screenFor(status, false);
}

/**
 * Custom slugs need a ticket before the page's queries may resolve them; full tokens do not.
 * What is neither shape names no link (`malformed`): no request is made for it.
 */
function useSlugTicket(token: string): { ready: boolean; ticket?: string; error?: string; malformed?: true } {
  const isToken = looksLikeToken(token);
  const isSlug = !isToken && looksLikeSlug(token);
  const [state, setState] = useState<{ for: string; ticket?: string; error?: string } | null>(null);
  useEffect(() => {
    if (!isSlug) return;
    let live = true;
    fetchSlugTicket(token).then(
      (ticket) => live && setState({ for: token, ticket }),
      (e: unknown) => live && setState({ for: token, error: errorMessage(e) }),
    );
    return () => {
      live = false;
    };
  }, [token, isSlug]);
  if (isToken) return { ready: true };
  if (!isSlug) return { ready: false, malformed: true };
  if (state?.for !== token) return { ready: false };
  return { ready: state.ticket !== undefined, ticket: state.ticket, error: state.error };
}

/** A refusal, in its words from the one table; after access was had, said to have ended. */
function RefusalScreen({
  reason,
  retryAfterMs,
  hadAccess,
}: {
  reason: Refusal;
  retryAfterMs?: number;
  hadAccess: "video" | "collection" | null;
}) {
  return (
    <Shell>
      <h1>{REFUSALS[reason].title}</h1>
      <p role="alert">
        {hadAccess ? `This ${hadAccess} is no longer available to you. ` : ""}
        {refusalText(reason, retryAfterMs)}
      </p>
    </Shell>
  );
}

/** Every state before access: the video's title stays out of the tab until access is granted. */
function Shell({ children }: { children: React.ReactNode }) {
  useTitle("Shared video");
  return (
    <main className="share-shell">
      <p className="brand">Reelgate</p>
      <ReconnectingBanner />
      {children}
    </main>
  );
}
