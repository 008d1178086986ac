/**
 * The share page's Download button, loaded on its first click (src/components/SharePlayer.tsx):
 * the file as one download streamed to disk by the service worker (workerDownload.ts), or where
 * service workers cannot run, in ranges to the browser's sink (lib/rangedDownload.ts); a refusal
 * or failure in words.
 */
import { refusalOfCode } from "../../convex/lib/refusalTable";
import { browserSink, downloadInRanges, type DownloadOutcome } from "./rangedDownload";
import { refusalText } from "./refusalText";
import { downloadThroughWorker, workerDownloadsPossible } from "./workerDownload";

const INTERRUPTED = "The download was interrupted. Check your connection and try again.";

/** A refusal from /media/…/download (its body's API code) in the words of convex/lib/refusalTable.ts. */
function refusalWords(code: string): string {
  const reason = refusalOfCode(code);
  return reason ? refusalText(reason) : "This video cannot be downloaded right now. Try again later.";
}

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
