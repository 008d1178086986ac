/**
 * The share page's Download button, loaded on its first click (src/components/SharePlayer.tsx):
 * the file as one download streamed to disk by the service worker (workerDownload.ts), or where
 * service workers cannot run, in ranges to the browser's sink (lib/rangedDownload.ts); a refusal
 * or failure in words.
 */
import { browserSink, downloadInRanges, type DownloadOutcome } from "./rangedDownload";
import { downloadThroughWorker, workerDownloadsPossible } from "./workerDownload";

/** Download refusals from /media/…/download, in words (the response body is for programs). */
const DOWNLOAD_REFUSALS: Record<string, string> = {
  DOWNLOAD_LIMIT_REACHED: "This link has reached its download limit. Ask the sender for a new link.",
  DOWNLOAD_DISABLED: "Downloads are turned off for this link.",
  RATE_LIMITED: "Too many requests from you right now. Wait a minute and try again.",
  GRANT_EXPIRED: "Your access has ended. Open the link again.",
  SHARE_NOT_FOUND: "This share link no longer exists.",
};
const INTERRUPTED = "The download was interrupted. Check your connection and try again.";

const refusalWords = (code: string) => DOWNLOAD_REFUSALS[code] ?? "This video cannot be downloaded right now. Try again later.";

/** What the page says when a download through the worker ended (null: nothing to say). */
function outcomeWords(outcome: DownloadOutcome): string | null {
  switch (outcome.kind) {
    case "done":
    case "cancelled": // the person cancelled it in the browser's downloads
      return null;
    case "refused":
      return refusalWords(outcome.code);
    case "failed":
      return INTERRUPTED;
    default:
      return outcome satisfies never;
  }
}

/** Downloads `url`; null when done, or the sentence saying why not. */
export async function downloadToDisk(url: string, onProgress: (received: number, total: number) => void): Promise<string | null> {
  try {
    if (workerDownloadsPossible()) {
      const outcome = await downloadThroughWorker(url, onProgress);
      if (outcome !== "unavailable") return outcomeWords(outcome);
    }
    const result = await downloadInRanges(url, browserSink(), onProgress);
    return result.ok ? null : refusalWords(result.code);
  } catch {
    return INTERRUPTED;
  }
}
