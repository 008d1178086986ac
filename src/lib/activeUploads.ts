/**
 * The uploads running in this tab, so the library tells an upload in progress ("Uploading…")
 * from an interrupted one (closed tab, dropped connection: "Resume"), and the uploads other tabs
 * of this browser are running ("Uploading in another tab…": resuming there would race them).
 * Small external stores read with useSyncExternalStore; each set is replaced on every change so
 * React sees it. Tabs tell each other over a BroadcastChannel: every tab with uploads running
 * names them every ANNOUNCE_MS, and one not heard from for FORGET_MS is taken to be gone.
 */
import { useSyncExternalStore } from "react";
import { listenerSet } from "./listeners";

const CHANNEL = "reelgate:uploads";
const ANNOUNCE_MS = 2000;
const FORGET_MS = 3 * ANNOUNCE_MS;

/** What one tab says: the videos it is uploading right now (an empty list once it has none). */
export type UploadsAnnouncement = { tab: string; videoIds: string[] };

let active: ReadonlySet<string> = new Set();
let elsewhere: ReadonlySet<string> = new Set();
const { subscribe, notify } = listenerSet();

const tab = crypto.randomUUID();
const channel = typeof BroadcastChannel === "function" ? new BroadcastChannel(CHANNEL) : null;
/** Per other tab: its uploads and when it last said so. */
const heard = new Map<string, { videoIds: string[]; at: number }>();
let announcing: ReturnType<typeof setInterval> | null = null;

function recomputeElsewhere() {
  const now = Date.now();
  for (const [id, { at }] of heard) if (now - at > FORGET_MS) heard.delete(id);
  const next = new Set([...heard.values()].flatMap((h) => h.videoIds));
  if (next.size !== elsewhere.size || [...next].some((id) => !elsewhere.has(id))) {
    elsewhere = next;
    notify();
  }
}

function parseAnnouncement(data: unknown): UploadsAnnouncement | null {
  if (typeof data !== "object" || data === null) return null;
  const { tab: from, videoIds } = data as Record<string, unknown>;
  if (typeof from !== "string" || !Array.isArray(videoIds) || videoIds.length > 100) return null;
  if (!videoIds.every((id): id is string => typeof id === "string" && id.length <= 64)) return null;
  return { tab: from, videoIds };
}

channel?.addEventListener("message", (event: MessageEvent) => {
  const said = parseAnnouncement(event.data);
  if (!said || said.tab === tab) return;
  if (said.videoIds.length === 0) heard.delete(said.tab);
  else heard.set(said.tab, { videoIds: said.videoIds, at: Date.now() });
  recomputeElsewhere();
});
if (channel) setInterval(recomputeElsewhere, ANNOUNCE_MS).unref?.();

function announce() {
  channel?.postMessage({ tab, videoIds: [...active] } satisfies UploadsAnnouncement);
}

function update(next: ReadonlySet<string>) {
  active = next;
  notify();
  announce();
  if (active.size > 0 && announcing === null) announcing = setInterval(announce, ANNOUNCE_MS);
  if (active.size === 0 && announcing !== null) {
    clearInterval(announcing);
    announcing = null;
  }
}

/** Marks the video's upload as running here until the returned function is called. */
export function markUploading(videoId: string): () => void {
  update(new Set([...active, videoId]));
  return () => update(new Set([...active].filter((id) => id !== videoId)));
}

/** The ids of the videos being uploaded in this tab right now. */
export function useActiveUploads(): ReadonlySet<string> {
  return useSyncExternalStore(subscribe, () => active);
}

/** The ids of the videos other tabs of this browser are uploading right now. */
export function useUploadsElsewhere(): ReadonlySet<string> {
  return useSyncExternalStore(subscribe, () => elsewhere);
}
