import type { useShareDownload } from "../hooks/useShareDownload";

type Downloads = ReturnType<typeof useShareDownload>;

/**
 * A share page's Download button and its progress. A real link (copyable, and what scripts and
 * tests read), but the click downloads in the page (hooks/useShareDownload.ts): a plain GET of a
 * file over 20 MiB is refused (it is served only in ranges), and a refusal would show as JSON.
 */
export function DownloadLink({ id, url, downloads }: { id: string; url: string; downloads: Downloads }) {
  const state = downloads.of(id);
  return (
    <>
      <a
        className="button"
        href={url}
        download
        aria-disabled={state.busy}
        onClick={(e) => {
          e.preventDefault();
          void downloads.start(id, url);
        }}
      >
        {state.busy ? "Downloading…" : "Download"}
      </a>
      {state.busy && state.total > 0 && <progress aria-label="Download progress" max={state.total} value={state.received} />}
    </>
  );
}

/** Why the last download under `id` did not finish, in words (nothing when it did, or none was tried). */
export function DownloadError({ id, downloads }: { id: string; downloads: Downloads }) {
  const { error } = downloads.of(id);
  return (
    error && (
      <p className="error" role="alert">
        {error}
      </p>
    )
  );
}
