import { useAction, useMutation, useQuery } from "convex/react";
import { useEffect, useRef, useState, type ChangeEvent, type FormEvent } from "react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { markUploading, useActiveUploads, useUploadsElsewhere } from "../lib/activeUploads";
import { sizeProblem, UploadCancelled, uploadInChunks, type ChunkApi, type UploadProgress } from "../lib/chunkedUpload";
import { errorMessage, isAppError } from "../lib/errors";
import { formatBytes } from "../lib/format";
import { readVideoFacts } from "../lib/videoFacts";
import { useSingleFlight } from "../hooks/useSingleFlight";

type VideoFacts = Extract<Awaited<ReturnType<typeof readVideoFacts>>, { ok: true }>;

/** POSTs the poster image to an upload URL and resolves with the storage id. */
async function sendPoster(url: string, body: Blob): Promise<string> {
  const res = await fetch(url, { method: "POST", body, headers: { "Content-Type": "image/jpeg" } });
  if (!res.ok) throw new Error(`Poster upload failed (${res.status}).`);
  return ((await res.json()) as { storageId: string }).storageId;
}

/** Test hook: `?chunkSize=<bytes>` on the page uploads in smaller chunks (the server accepts 64 KiB to 8 MiB). */
function chunkSizeFromPage(): number | undefined {
  const value = Number(new URLSearchParams(window.location.search).get("chunkSize"));
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

function useChunkApi(): ChunkApi {
  return {
    begin: useMutation(api.videoUploads.beginChunkedUpload),
    chunkUrl: useMutation(api.videoUploads.chunkUploadUrl),
    attach: useMutation(api.videoUploads.attachChunk),
    finalize: useAction(api.videoUploads.finalizeChunkedUpload),
  };
}

/**
 * Runs one chunked upload of `file` into `videoId` with progress, speed and cancel. An
 * interrupted upload stays `uploading` (the library offers "Resume"); cancel removes the video
 * and every chunk stored.
 */
function useChunkedUpload() {
  const apis = useChunkApi();
  const remove = useMutation(api.videos.remove);
  const uploadUrl = useMutation(api.videos.generateUploadUrl);
  const setPoster = useMutation(api.videos.setPoster);
  const [progress, setProgress] = useState<UploadProgress | null>(null);
  const control = useRef<{ cancel?: () => void }>({});

  async function run(
    videoId: Id<"videos">,
    file: File,
    facts: VideoFacts,
  ): Promise<{ ok: true } | { ok: false; message: string; cancelled?: true; resumable: boolean }> {
    control.current = {};
    // While this runs, the library shows the video as uploading here, not as one to resume.
    const finished = markUploading(videoId);
    try {
      setProgress({ sent: 0, total: file.size, bytesPerSecond: 0, resumed: 0 });
      const result = await uploadInChunks(apis, videoId, file, {
        chunkSize: chunkSizeFromPage(),
        durationSeconds: facts.durationSeconds,
        onProgress: setProgress,
        control: control.current,
      });
      if (!result.ok) return { ...result, resumable: true };
      if (facts.poster) {
        // The poster is a nicety: a failure here leaves the video ready with the placeholder.
        const poster = facts.poster;
        await uploadUrl({ videoId, purpose: "poster" })
          .then((url) => sendPoster(url, poster))
          .then((posterId) => setPoster({ videoId, storageId: posterId as Id<"_storage"> }))
          .catch(() => undefined);
      }
      return { ok: true };
    } catch (e) {
      if (e instanceof UploadCancelled) {
        // A cancelled upload leaves nothing behind: the video and its stored chunks go.
        await remove({ videoId }).catch(() => undefined);
        return { ok: false, message: "Upload cancelled.", cancelled: true, resumable: false };
      }
      control.current.cancel?.();
      // A file the server refused as no video is removed: there is nothing to resume.
      return { ok: false, message: errorMessage(e), resumable: !(isAppError(e) && e.data.code === "NOT_A_VIDEO") };
    } finally {
      finished();
      setProgress(null);
    }
  }
  return { run, progress, cancel: () => control.current.cancel?.() };
}

function ProgressRow({ progress, onCancel }: { progress: UploadProgress; onCancel: () => void }) {
  return (
    <div className="progress-row">
      <progress aria-label="Upload progress" max={progress.total} value={progress.sent} />
      <span>
        {formatBytes(progress.sent)} / {formatBytes(progress.total)}
        {progress.bytesPerSecond > 0 && <> · {formatBytes(Math.round(progress.bytesPerSecond))}/s</>}
        {progress.resumed > 0 && <> · resumed from {formatBytes(progress.resumed)}</>}
      </span>
      <button type="button" className="secondary" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}

export function Upload({ teamId }: { teamId: Id<"teams"> }) {
  const create = useMutation(api.videos.create);
  const upload = useChunkedUpload();
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const maxBytes = useQuery(api.videoUploads.uploadLimits, {})?.maxBytes;

  /** A file over the limit is refused as soon as it is chosen, and again at submit: nothing is created or sent. */
  function chosen(event: ChangeEvent<HTMLInputElement>) {
    const file = event.currentTarget.files?.[0];
    setNotice(null);
    setError(file ? sizeProblem(file, maxBytes) : null);
  }

  const [, single] = useSingleFlight();
  // Cancel goes with the progress row it was in: the focus then moves to Upload, not to the page.
  const [cancelled, setCancelled] = useState(false);
  const uploadButton = useRef<HTMLButtonElement>(null);
  const backToUpload = cancelled && !upload.progress;
  useEffect(() => {
    if (backToUpload) uploadButton.current?.focus();
  }, [backToUpload]);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const file = form.querySelector<HTMLInputElement>('input[name="file"]')?.files?.[0];
    if (!file) return setError("Choose a video file.");
    if (file.size === 0) return setError(`${file.name} is empty (0 bytes): choose the video file itself.`);
    if (!file.type.startsWith("video/")) return setError("That is not a video file.");
    const tooBig = sizeProblem(file, maxBytes);
    if (tooBig) return setError(tooBig);
    const title = String(data.get("title") ?? "").trim() || file.name.replace(/\.[^.]+$/, "");
    // One upload per submit: a double-click (even while the file is still being checked) makes one video.
    await single(async () => {
      setError(null);
      setNotice(null);
      setCancelled(false);
      // A file the browser cannot play is refused before anything is created or uploaded.
      const facts = await readVideoFacts(file);
      if (!facts.ok) return setError(facts.message);
      try {
        const videoId = await create({ teamId, title, description: String(data.get("description") ?? ""), fileName: file.name });
        const result = await upload.run(videoId, file, facts);
        if (result.ok) form.reset();
        else if (result.cancelled) {
          setNotice(result.message);
          setCancelled(true);
        } else setError(result.resumable ? `${result.message} The library shows “Resume” for this upload.` : result.message);
      } catch (e) {
        setError(errorMessage(e));
      }
    });
  }

  return (
    <form onSubmit={submit} className="panel upload" aria-label="Upload a video">
      <h2>Upload a video</h2>
      <label>
        Video file <input name="file" type="file" accept="video/*" required onChange={chosen} />
      </label>
      {maxBytes !== undefined && <p className="muted small">Up to {formatBytes(maxBytes)}.</p>}
      <label>
        Title <input name="title" maxLength={200} placeholder="Defaults to the file name" />
      </label>
      <label>
        Description <textarea name="description" maxLength={5000} rows={2} />
      </label>
      {upload.progress ? (
        <ProgressRow progress={upload.progress} onCancel={upload.cancel} />
      ) : (
        <button type="submit" ref={uploadButton}>
          Upload
        </button>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {notice && (
        <p className="muted" role="status">
          {notice}
        </p>
      )}
    </form>
  );
}

/**
 * "Resume" on an unfinished upload in the library: the user picks the same file again; it must
 * have the name and size the upload was started with, and only chunks not already stored with
 * the same bytes (SHA-256) are sent.
 */
export function ResumeUpload({ videoId, fileName, title }: { videoId: Id<"videos">; fileName: string; title: string }) {
  const upload = useChunkedUpload();
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  // Resume is for an upload interrupted (a reload, a closed tab, a dropped connection), not one
  // running in this tab or in another tab of this browser (two uploaders would race on its chunks).
  const runningHere = useActiveUploads().has(videoId);
  const runningElsewhere = useUploadsElsewhere().has(videoId);

  async function picked(event: ChangeEvent<HTMLInputElement>) {
    const file = event.currentTarget.files?.[0];
    event.currentTarget.value = "";
    if (!file) return;
    if (file.name !== fileName) return setError(`Choose the same file: ${fileName}.`);
    setError(null);
    const facts = await readVideoFacts(file);
    if (!facts.ok) return setError(facts.message);
    const result = await upload.run(videoId, file, facts);
    if (!result.ok && !result.cancelled) setError(result.message);
  }

  return (
    <div className="resume">
      {upload.progress ? (
        <ProgressRow progress={upload.progress} onCancel={upload.cancel} />
      ) : runningHere || runningElsewhere ? null : (
        <button type="button" className="secondary small" onClick={() => input.current?.click()} aria-label={`Resume upload of ${title}`}>
          Resume
        </button>
      )}
      <input ref={input} type="file" accept="video/*" hidden onChange={(e) => void picked(e)} aria-label={`File to resume ${title}`} />
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
