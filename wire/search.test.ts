/**
 * The library's search over the embedded backend's wire: the app's search indexes (videos by
 * searchText, links by label/note/slug) answer as they do on Convex, including what convex-test
 * cannot show (word splitting in slugs, links without the searched field), and a subscribed
 * library search re-runs when a matching video is renamed.
 */
import { ConvexClient, type ConvexHttpClient } from "convex/browser";
import { afterAll, beforeAll, expect, test } from "vitest";
import WebSocket from "ws";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { spawnBackend, type RunningBackend } from "../local-backend/testing";
import { APP_PROJECT, signUp, TINY_MP4, uploadReadyVideo } from "./appTesting";

let backend: RunningBackend;
let http: ConvexHttpClient;
let token: string;
let teamId: Id<"teams">;
beforeAll(async () => {
  backend = await spawnBackend({ projectDir: APP_PROJECT });
  ({ http, token } = await signUp(backend, "searcher@example.com", "Searcher"));
  teamId = await http.mutation(api.teams.create, { name: "Search team" });
});
afterAll(async () => backend?.stop());

const titles = async (text: string, extra: object = {}) =>
  (await http.query(api.search.videos, { teamId, text, ...extra })).videos.map((v) => v.title);

test("videos: words of title and description, prefix of the last word, relevance first, team filter", async () => {
  const { videoId } = await uploadReadyVideo(http, teamId, { body: TINY_MP4, title: "Q3 review: marketing" });
  await http.mutation(api.videos.update, { videoId, description: "Budget walk-through for Q3" });
  await http.mutation(api.videos.create, { teamId, title: "Marketing offsite", fileName: "o.mp4" });
  expect(await titles("walk")).toEqual(["Q3 review: marketing"]);
  expect(await titles("q3 marketing")).toEqual(["Q3 review: marketing", "Marketing offsite"]);
  expect(await titles("market", { status: "uploading" })).toEqual(["Marketing offsite"]);
  expect(await titles("marketing", { sort: "title" })).toEqual(["Marketing offsite", "Q3 review: marketing"]);
  const other = await signUp(backend, "other@example.com", "Other");
  const otherTeam = await other.http.mutation(api.teams.create, { name: "Elsewhere" });
  await other.http.mutation(api.videos.create, { teamId: otherTeam, title: "Marketing secrets", fileName: "s.mp4" });
  expect(await titles("secrets")).toEqual([]);
  await expect(other.http.query(api.search.videos, { teamId, text: "marketing" })).rejects.toThrow(/not found/i);
});

test("links: label, note and slug words; links without the field are simply not matched", async () => {
  const { videoId } = await uploadReadyVideo(http, teamId, { body: TINY_MP4, title: "Keynote" });
  const slug = await http.mutation(api.shareLinks.create, { videoId, expiresInDays: 7, customSlug: "press-kit-2026" });
  const labelled = await http.mutation(api.shareLinks.create, { videoId, expiresInDays: 7, label: "Board members" });
  await http.mutation(api.shareLinks.create, { videoId, expiresInDays: 7 });
  expect((await http.query(api.search.links, { teamId, text: "kit" })).map((m) => m.linkId)).toEqual([slug.linkId]);
  expect((await http.query(api.search.links, { teamId, text: "2026" })).map((m) => m.customSlug)).toEqual(["press-kit-2026"]);
  expect((await http.query(api.search.links, { teamId, text: "board" })).map((m) => [m.linkId, m.videoTitle])).toEqual([
    [labelled.linkId, "Keynote"],
  ]);
  expect(await http.query(api.search.links, { teamId, text: "nothing" })).toEqual([]);
});

test("a subscribed library search follows a rename", async () => {
  const videoId = await http.mutation(api.videos.create, { teamId, title: "Rough cut", fileName: "r.mp4" });
  const client = new ConvexClient(backend.cloudUrl, { webSocketConstructor: WebSocket as never, unsavedChangesWarning: false });
  client.setAuth(async () => token);
  try {
    const seen: string[][] = [];
    const stop = client.onUpdate(api.search.videos, { teamId, text: "director" }, (r) => seen.push(r.videos.map((v) => v.title)));
    await expect.poll(() => seen.at(-1), { timeout: 10_000 }).toEqual([]);
    await http.mutation(api.videos.update, { videoId, title: "Director's cut" });
    await expect.poll(() => seen.at(-1), { timeout: 10_000 }).toEqual(["Director's cut"]);
    stop();
  } finally {
    await client.close();
  }
});
