import { useState } from "react";

// The ranged downloader is loaded on the first click of Download, so a viewer's first frame does not wait for it.
const loadDownloader = () => import("../lib/shareDownload");

/** One download's state: in progress (bytes so far, of the whole file), or how the last one ended. */
export type ShareDownloadState = { busy: boolean; error: string | null; received: number; total: number };

const IDLE: ShareDownloadState = { busy: false, error: null, received: 0, total: 0 };

/**
 * The share pages' Download (a video's, SharePlayer; a collection's, CollectionPlayer): in the
 * page, of any size, through lib/shareDownload.ts — chunk-aligned ranges, each checked by the
 * server (a revoke stops the download at the next range), streamed to disk as one browser
 * download under the file's name by the download service worker where it can run, with
 * progress. A refusal (limit reached, downloads turned off) is shown in words instead of
 * navigating the tab to the JSON. Each download has its own state under a key that outlives its URL
 * (a video's id: the URL goes when downloads are turned off, and the refusal is still to be
 * shown), so a collection's viewer who moves to another video while one downloads sees that
 * video's own button, and comes back to the progress.
 */
export function useShareDownload(): { of(key: string): ShareDownloadState; start(key: string, url: string): Promise<void> } {
  const [states, setStates] = useState<ReadonlyMap<string, ShareDownloadState>>(() => new Map());
  const set = (key: string, next: (state: ShareDownloadState) => ShareDownloadState) =>
    setStates((all) => new Map(all).set(key, next(all.get(key) ?? IDLE)));
  const of = (key: string) => states.get(key) ?? IDLE;
  async function start(key: string, url: string) {
    if (of(key).busy) return;
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
  return { of, start };
}
