import { lazy, Suspense } from "react";

// DownloadLink.tsx in a chunk of its own, loaded after the player: a viewer's first frame never waits for it.
const loaded = () => import("./DownloadLink");
const Link = lazy(() => loaded().then((m) => ({ default: m.DownloadLink })));
const Failure = lazy(() => loaded().then((m) => ({ default: m.DownloadError })));

/** The share pages' Download button (DownloadLink.tsx), once its chunk is here. */
export function DownloadLink(props: { id: string; url: string }) {
  return (
    <Suspense fallback={null}>
      <Link {...props} />
    </Suspense>
  );
}

/** Why the last download of `id` failed (DownloadLink.tsx), once its chunk is here. */
export function DownloadError(props: { id: string }) {
  return (
    <Suspense fallback={null}>
      <Failure {...props} />
    </Suspense>
  );
}
