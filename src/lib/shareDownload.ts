/**
 * The share page's Download button, loaded on its first click (src/components/SharePlayer.tsx):
 * the file in ranges to the browser's sink (lib/rangedDownload.ts), a refusal or failure in words.
 */
import { browserSink, downloadInRanges } from "./rangedDownload";

/** Download refusals from /media/…/download, in words (the response body is for programs). */
const DOWNLOAD_REFUSALS: Record<string, string> = {
  DOWNLOAD_LIMIT_REACHED: "This link has reached its download limit. Ask the sender for a new link.",
  DOWNLOAD_DISABLED: "Downloads are turned off for this link.",
  RATE_LIMITED: "Too many requests from you right now. Wait a minute and try again.",
  GRANT_EXPIRED: "Your access has ended. Open the link again.",
  SHARE_NOT_FOUND: "This share link no longer exists.",
};

/** Downloads `url`; null when done, or the sentence saying why not. */
export async function downloadToDisk(url: string, onProgress: (received: number, total: number) => void): Promise<string | null> {
  try {
    const result = await downloadInRanges(url, browserSink(), onProgress);
    if (result.ok) return null;
    return DOWNLOAD_REFUSALS[result.code] ?? "This video cannot be downloaded right now. Try again later.";
  } catch {
    return "The download was interrupted. Check your connection and try again.";
  }
}
