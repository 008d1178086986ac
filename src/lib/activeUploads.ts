/**
 * The uploads running in this tab, so the library tells an upload in progress ("Uploading…")
 * from an interrupted one (closed tab, dropped connection: "Resume"). A small external store
 * read with useSyncExternalStore; the set is replaced on every change so React sees it.
 */
import { useSyncExternalStore } from "react";

let active: ReadonlySet<string> = new Set();
const listeners = new Set<() => void>();

function update(next: ReadonlySet<string>) {
  active = next;
  for (const listener of listeners) listener();
}

/** Marks the video's upload as running here until the returned function is called. */
export function markUploading(videoId: string): () => void {
  update(new Set([...active, videoId]));
  return () => update(new Set([...active].filter((id) => id !== videoId)));
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The ids of the videos being uploaded in this tab right now. */
export function useActiveUploads(): ReadonlySet<string> {
  return useSyncExternalStore(subscribe, () => active);
}
