/** What the browser can learn from a local video file before uploading it. */
export type VideoFacts =
  { ok: true; durationSeconds?: number; width: number; height: number; poster: Blob | null } | { ok: false; message: string };

const POSTER_WIDTH = 640;
const GIVE_UP_MS = 8000;

/** Draws the frame the element shows into a JPEG at most POSTER_WIDTH wide. */
function captureFrame(video: HTMLVideoElement): Promise<Blob | null> {
  if (!video.videoWidth || !video.videoHeight) return Promise.resolve(null);
  const scale = Math.min(1, POSTER_WIDTH / video.videoWidth);
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(video.videoWidth * scale);
  canvas.height = Math.round(video.videoHeight * scale);
  const ctx2d = canvas.getContext("2d");
  if (!ctx2d) return Promise.resolve(null);
  ctx2d.drawImage(video, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve) => canvas.toBlob((b) => resolve(b), "image/jpeg", 0.82));
}

/**
 * Duration, dimensions and a poster frame (a moment in, past any black lead-in), read by a
 * <video> element from the local file. A file the browser cannot decode is refused with a reason.
 */
export function readVideoFacts(file: File): Promise<VideoFacts> {
  return new Promise((resolve) => {
    const video = document.createElement("video");
    const url = URL.createObjectURL(file);
    let settled = false;
    const done = (facts: VideoFacts) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      video.removeAttribute("src");
      video.load();
      URL.revokeObjectURL(url);
      resolve(facts);
    };
    const finish = () =>
      void captureFrame(video).then((poster) =>
        done({
          ok: true,
          durationSeconds: Number.isFinite(video.duration) ? video.duration : undefined,
          width: video.videoWidth,
          height: video.videoHeight,
          poster,
        }),
      );
    // A slow decoder is no reason to refuse a file: after a while, go on without a poster.
    const timer = setTimeout(
      () =>
        done({
          ok: true,
          width: video.videoWidth,
          height: video.videoHeight,
          durationSeconds: Number.isFinite(video.duration) ? video.duration : undefined,
          poster: null,
        }),
      GIVE_UP_MS,
    );
    video.muted = true;
    video.playsInline = true;
    video.preload = "auto";
    video.onerror = () =>
      done({
        ok: false,
        message: `${file.name} cannot be played: it is not a video this browser can decode. Export it as MP4 (H.264) or WebM and try again.`,
      });
    const seekToPoster = () => {
      const at = Number.isFinite(video.duration) && video.duration > 0.5 ? Math.min(1, video.duration / 4) : 0;
      if (at === 0) return finish();
      video.onseeked = () => Math.abs(video.currentTime - at) < 0.5 && finish();
      video.currentTime = at;
    };
    video.onloadeddata = () => {
      if (video.videoWidth === 0) return done({ ok: false, message: `${file.name} has no picture: upload a video file, not audio only.` });
      if (video.duration !== Infinity) return seekToPoster();
      // A browser recording (MediaRecorder's WebM) names no duration: a seek past the end makes the
      // browser read to the end and learn it.
      video.ondurationchange = () => {
        if (!Number.isFinite(video.duration)) return;
        video.ondurationchange = null;
        seekToPoster();
      };
      // Should the seek end with the duration still unknown, the frame it reached is the poster.
      video.onseeked = () => !Number.isFinite(video.duration) && finish();
      video.currentTime = Number.MAX_SAFE_INTEGER;
    };
    video.src = url;
  });
}
