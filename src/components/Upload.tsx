import { useMutation } from "convex/react";
import { useRef, useState, type FormEvent } from "react";
import { api } from "../../convex/_generated/api";
import type { Id } from "../../convex/_generated/dataModel";
import { errorMessage } from "../lib/errors";
import { formatBytes } from "../lib/format";

type Progress = { sent: number; total: number };

/** Reads the duration the browser sees in a local file, or undefined. */
function readDuration(file: File): Promise<number | undefined> {
  return new Promise((resolve) => {
    const video = document.createElement("video");
    const url = URL.createObjectURL(file);
    const done = (value: number | undefined) => {
      URL.revokeObjectURL(url);
      resolve(value);
    };
    video.preload = "metadata";
    video.onloadedmetadata = () => done(Number.isFinite(video.duration) ? video.duration : undefined);
    video.onerror = () => done(undefined);
    setTimeout(() => done(undefined), 3000);
    video.src = url;
  });
}

export function Upload({ teamId }: { teamId: Id<"teams"> }) {
  const create = useMutation(api.videos.create);
  const uploadUrl = useMutation(api.videos.generateUploadUrl);
  const finalize = useMutation(api.videos.finalizeUpload);
  const markFailed = useMutation(api.videos.markUploadFailed);
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
    let videoId: Id<"videos"> | null = null;
    try {
      videoId = await create({ teamId, title, description: String(data.get("description") ?? ""), fileName: file.name });
      const [url, durationSeconds] = await Promise.all([uploadUrl({ videoId }), readDuration(file)]);
      setProgress({ sent: 0, total: file.size });
      const storageId = await new Promise<string>((resolve, reject) => {
        const request = new XMLHttpRequest();
        xhr.current = request;
        request.open("POST", url);
        request.setRequestHeader("Content-Type", file.type);
        request.upload.onprogress = (e) => setProgress({ sent: e.loaded, total: e.total || file.size });
        request.onload = () =>
          request.status === 200 ? resolve((JSON.parse(request.responseText) as { storageId: string }).storageId) : reject(new Error(`Upload failed (${request.status}).`));
        request.onerror = () => reject(new Error("The upload was interrupted."));
        request.onabort = () => reject(new Error("Upload cancelled."));
        request.send(file);
      });
      const result = await finalize({ videoId, storageId: storageId as Id<"_storage">, durationSeconds });
      if (!result.ok) setError(result.message);
      else form.reset();
    } catch (e) {
      setError(errorMessage(e));
      if (videoId) await markFailed({ videoId, reason: errorMessage(e) }).catch(() => undefined);
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
    </form>
  );
}
