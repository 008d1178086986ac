import { useMutation } from "convex/react";
import { useRef, useState, type FormEvent } from "react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { errorMessage } from "../lib/errors";
import { formatBytes } from "../lib/format";
import { readVideoFacts } from "../lib/videoFacts";

type Progress = { sent: number; total: number };

class UploadCancelled extends Error {}

/** POSTs a body to an upload URL and resolves with the storage id; `onRequest` gets the XHR (to cancel it). */
function send(url: string, body: Blob, type: string, onRequest: (r: XMLHttpRequest) => void, onProgress?: (p: Progress) => void): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const request = new XMLHttpRequest();
    onRequest(request);
    request.open("POST", url);
    request.setRequestHeader("Content-Type", type);
    if (onProgress) request.upload.onprogress = (e) => onProgress({ sent: e.loaded, total: e.total || body.size });
    request.onload = () =>
      request.status === 200 ? resolve((JSON.parse(request.responseText) as { storageId: string }).storageId) : reject(new Error(`Upload failed (${request.status}).`));
    request.onerror = () => reject(new Error("The upload was interrupted."));
    request.onabort = () => reject(new UploadCancelled("Upload cancelled."));
    request.send(body);
  });
}


export function Upload({ teamId }: { teamId: Id<"teams"> }) {
  const create = useMutation(api.videos.create);
  const uploadUrl = useMutation(api.videos.generateUploadUrl);
  const finalize = useMutation(api.videos.finalizeUpload);
  const markFailed = useMutation(api.videos.markUploadFailed);
  const remove = useMutation(api.videos.remove);
  const setPoster = useMutation(api.videos.setPoster);
  const [notice, setNotice] = useState<string | null>(null);
  const [progress, setProgress] = useState<Progress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const xhr = useRef<XMLHttpRequest | null>(null);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const file = data.get("file");
    if (!(file instanceof File) || file.size === 0) return setError("Choose a video file.");
    if (!file.type.startsWith("video/")) return setError("That is not a video file.");
    const title = String(data.get("title") ?? "").trim() || file.name.replace(/\.[^.]+$/, "");
    setError(null);
    setNotice(null);
    const facts = await readVideoFacts(file);
    if (!facts.ok) return setError(facts.message);
    let videoId: Id<"videos"> | null = null;
    try {
      videoId = await create({ teamId, title, description: String(data.get("description") ?? ""), fileName: file.name });
      const url = await uploadUrl({ videoId });
      setProgress({ sent: 0, total: file.size });
      const storageId = await send(url, file, file.type, (r) => (xhr.current = r), setProgress);
      const result = await finalize({ videoId, storageId: storageId as Id<"_storage">, durationSeconds: facts.durationSeconds });
      if (!result.ok) return setError(result.message);
      form.reset();
      setProgress(null);
      xhr.current = null;
      if (facts.poster) {
        // The poster is a nicety: a failure here leaves the video ready with the placeholder.
        const poster = facts.poster;
        const id = videoId;
        await uploadUrl({ videoId: id, purpose: "poster" })
          .then((posterUrl) => send(posterUrl, poster, "image/jpeg", () => undefined))
          .then((posterId) => setPoster({ videoId: id, storageId: posterId as Id<"_storage"> }))
          .catch(() => undefined);
      }
    } catch (e) {
      if (e instanceof UploadCancelled && videoId) {
        // A cancelled upload leaves nothing behind in the library (the backend sweeps stray bytes).
        await remove({ videoId }).catch(() => undefined);
        setNotice("Upload cancelled.");
      } else if (videoId) {
        setError(errorMessage(e));
        await markFailed({ videoId, reason: errorMessage(e) }).catch(() => undefined);
      } else {
        setError(errorMessage(e));
      }
    } finally {
      xhr.current = null;
      setProgress(null);
    }
  }

  return (
    <form onSubmit={submit} className="panel upload" aria-label="Upload a video">
      <h2>Upload a video</h2>
      <label>Video file <input name="file" type="file" accept="video/*" required /></label>
      <label>Title <input name="title" maxLength={200} placeholder="Defaults to the file name" /></label>
      <label>Description <textarea name="description" maxLength={5000} rows={2} /></label>
      {progress ? (
        <div className="progress-row">
          <progress aria-label="Upload progress" max={progress.total} value={progress.sent} />
          <span>{formatBytes(progress.sent)} / {formatBytes(progress.total)}</span>
          <button type="button" className="secondary" onClick={() => xhr.current?.abort()}>Cancel</button>
        </div>
      ) : (
        <button type="submit">Upload</button>
      )}
      {error && <p className="error" role="alert">{error}</p>}
      {notice && <p className="muted" role="status">{notice}</p>}
    </form>
  );
}
