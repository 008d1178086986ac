import { useConvexAuth } from "convex/react";
import { lazy, Suspense, useRef, type ReactNode } from "react";
import { Navigate, Route, Routes, useLocation } from "react-router-dom";
import { ErrorBoundary } from "./components/ErrorBoundary";
import { NotFound } from "./components/NotFound";
import { useTitle } from "./hooks/useTitle";
import { signOutHere } from "./lib/signOutHere";

// One chunk per route. A share link opened from inside the app gets the share route's own entry
// (src/shareMain.tsx, with its anonymous connection); a fresh tab on /share/… never loads this file.
const SharePage = lazy(() => import("./shareMain").then((m) => ({ default: m.ShareRoute })));
const SignIn = lazy(() => import("./routes/SignIn").then((m) => ({ default: m.SignIn })));
const InvitePage = lazy(() => import("./routes/InvitePage").then((m) => ({ default: m.InvitePage })));
const Library = lazy(() => import("./routes/Library").then((m) => ({ default: m.Library })));
const VideoPage = lazy(() => import("./routes/VideoPage").then((m) => ({ default: m.VideoPage })));
const CollectionPage = lazy(() => import("./routes/CollectionPage").then((m) => ({ default: m.CollectionPage })));
const AllLinks = lazy(() => import("./routes/AllLinks").then((m) => ({ default: m.AllLinks })));

/** Names the tab for routes whose page does not name it itself. */
function Titled({ title, children }: { title: string; children: ReactNode }) {
  useTitle(title);
  return <>{children}</>;
}

function RequireAuth({ children }: { children: ReactNode }) {
  const { isAuthenticated, isLoading } = useConvexAuth();
  const location = useLocation();
  // Signed in here before: losing it now means signed out elsewhere (another tab) or expired.
  const wasAuthenticated = useRef(false);
  if (isAuthenticated) {
    wasAuthenticated.current = true;
    signOutHere.asked = false;
  }
  if (isLoading)
    return (
      <p className="center muted" role="status">
        Loading…
      </p>
    );
  if (!isAuthenticated)
    return (
      <Navigate
        to="/signin"
        replace
        state={{ from: location.pathname + location.search, signedOut: wasAuthenticated.current && !signOutHere.asked }}
      />
    );
  // A session ended elsewhere (another tab signed out, or it expired) fails this page's queries: sign-in, not a blank page.
  return <ErrorBoundary key={location.pathname}>{children}</ErrorBoundary>;
}

/** While a route's code loads: the share page's own skeleton shape for share links, a line otherwise. */
function RouteFallback() {
  const { pathname } = useLocation();
  if (pathname.startsWith("/share/")) {
    return (
      <main className="share-shell wide" aria-busy="true">
        <p className="brand">Reelgate</p>
        <div className="skeleton skeleton-title" />
        <div className="skeleton skeleton-player" />
      </main>
    );
  }
  return (
    <p className="center muted" role="status">
      Loading…
    </p>
  );
}

export function App() {
  return (
    <Suspense fallback={<RouteFallback />}>
      <Routes>
        <Route path="/share/:token" element={<SharePage />} />
        <Route
          path="/signin"
          element={
            <Titled title="Sign in">
              <SignIn />
            </Titled>
          }
        />
        <Route
          path="/invite/:token"
          element={
            <Titled title="Invitation">
              <InvitePage />
            </Titled>
          }
        />
        <Route
          path="/"
          element={
            <RequireAuth>
              <Titled title="Library">
                <Library />
              </Titled>
            </RequireAuth>
          }
        />
        <Route
          path="/links"
          element={
            <RequireAuth>
              <Titled title="All links">
                <AllLinks />
              </Titled>
            </RequireAuth>
          }
        />
        <Route
          path="/videos/:videoId"
          element={
            <RequireAuth>
              <VideoPage />
            </RequireAuth>
          }
        />
        <Route
          path="/collections/:collectionId"
          element={
            <RequireAuth>
              <CollectionPage />
            </RequireAuth>
          }
        />
        <Route
          path="*"
          element={
            <main>
              <NotFound />
            </main>
          }
        />
      </Routes>
    </Suspense>
  );
}
