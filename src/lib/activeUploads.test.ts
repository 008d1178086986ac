/** Tabs of one browser tell each other which uploads they run, so no tab offers "Resume" on an upload running in another. */
import { renderHook, waitFor } from "@testing-library/react";
import { afterEach, expect, test } from "vitest";
import { markUploading, useUploadsElsewhere, type UploadsAnnouncement } from "./activeUploads";

const otherTab = new BroadcastChannel("reelgate:uploads");
afterEach(() => otherTab.postMessage({ tab: "other", videoIds: [] } satisfies UploadsAnnouncement));

test("an upload another tab announces is 'elsewhere' until that tab says it is done; garbage is ignored", async () => {
  const { result } = renderHook(() => useUploadsElsewhere());
  expect(result.current.size).toBe(0);
  otherTab.postMessage({ tab: "other", videoIds: ["v9"] } satisfies UploadsAnnouncement);
  await waitFor(() => expect([...result.current]).toEqual(["v9"]));
  otherTab.postMessage({ tab: 7, videoIds: "v1" });
  otherTab.postMessage("not an announcement");
  otherTab.postMessage({ tab: "other", videoIds: [] } satisfies UploadsAnnouncement);
  await waitFor(() => expect(result.current.size).toBe(0));
});

test("this tab announces its own uploads to the others, and says when they end", async () => {
  const heard: unknown[] = [];
  const listener = new BroadcastChannel("reelgate:uploads");
  listener.onmessage = (event) => heard.push(event.data);
  const done = markUploading("v1");
  await waitFor(() => expect(heard.at(-1)).toMatchObject({ videoIds: ["v1"] }));
  done();
  await waitFor(() => expect(heard.at(-1)).toMatchObject({ videoIds: [] }));
  listener.close();
});
