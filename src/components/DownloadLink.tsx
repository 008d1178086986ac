import { useSyncExternalStore } from "react";
import { listenerSet } from "../lib/listeners";

/**
 * The share pages' Download (a video's, SharePlayer; a collection's, CollectionPlayer), loaded
 * after the player (its own chunk, off the first frame's path): in the page, of any size,
 * through lib/shareDownload.ts — chunk-aligned ranges, each checked by the server (a revoke stops
 * the download at the next range), streamed to disk as one browser download under the file's
 * name by the download service worker where it can run, with progress. A refusal (limit
 * reached, downloads turned off) is shown in words instead of navigating the tab to the JSON.
 * Each download's state is kept by a key that outlives its URL (a video's id: the URL goes when
 * downloads are turned off, and the refusal is still to be shown), so a collection's viewer who
 * moves to another video while one downloads sees that video's own button, and comes back to
 * the progress.
 */

// The ranged downloader is loaded on the first click of Download.
const loadDownloader = () => import("../lib/shareDownload");

/** One download's state: in progress (bytes so far, of the whole file), or how the last one ended. */
export type ShareDownloadState = { busy: boolean; error: string | null; received: number; total: number };
const IDLE: ShareDownloadState = { busy: false, error: null, received: 0, total: 0 };

const states = new Map<string, ShareDownloadState>();
const listeners = listenerSet();
const set = (key: string, next: (state: ShareDownloadState) => ShareDownloadState) => {
  states.set(key, next(states.get(key) ?? IDLE));
  listeners.notify();
};
const useDownload = (key: string) => useSyncExternalStore(listeners.subscribe, () => states.get(key) ?? IDLE);

async function start(key: string, url: string) {
  if (states.get(key)?.busy) return;
  set(key, () => ({ busy: true, error: null, received: 0, total: 0 }));
  let error: string | null;
  try {
    const { downloadToDisk } = await loadDownloader();
    error = await downloadToDisk(url, (received, total) => set(key, (s) => ({ ...s, received, total })));
  } catch {
    error = "The download was interrupted. Check your connection and try again.";
  }
  set(key, () => ({ ...IDLE, error }));
}

/**
 * The Download button and its progress. A real link (copyable, and what scripts and tests read),
 * but the click downloads in the page: a plain GET of a file over 20 MiB is refused (it is
 * served only in ranges), and a refusal would show as JSON.
 */
export function DownloadLink({ id, url }: { id: string; url: string }) {
  const state = useDownload(id);
  return (
    <>
      <a
        className="button"
        href={url}
        download
        aria-disabled={state.busy}
        onClick={(e) => {
          e.preventDefault();
          void start(id, url);
        }}
      >
        {state.busy ? "Downloading…" : "Download"}
      </a>
      {state.busy && state.total > 0 && <progress aria-label="Download progress" max={state.total} value={state.received} />}
    </>
  );
}

/** Why the last download under `id` did not finish, in words (nothing when it did, or none was tried). */
export function DownloadError({ id }: { id: string }) {
  const { error } = useDownload(id);
  return (
    error && (
      <p className="error" role="alert">
        {error}
      </p>
    )
  );
}
