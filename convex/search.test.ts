import { expect, test, vi } from "vitest";
import { api, internal } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { BACKFILL_BATCH } from "./search";
import { expectCode, initConvexTest, joinTeam, signedInUser, type TestConvex } from "./test.setup";

async function library() {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const teamId = await alice.as.mutation(api.teams.create, { name: "Studio" });
  const add = (title: string, description = "") => alice.as.mutation(api.videos.create, { teamId, title, description, fileName: "v.mp4" });
  return { t, alice, teamId, add };
}
const titles = (result: { videos: Array<{ title: string }> }) => result.videos.map((v) => v.title);

test("videos are found by words of their title or description, the last word as a prefix, in this team only", async () => {
  const { t, alice, teamId, add } = await library();
  await add("Quarterly review", "Marketing numbers for Q3");
  await add("Product demo", "Walkthrough of the new editor");
  await add("Team offsite", "");
  const bob = await signedInUser(t, "Bob");
  const other = await bob.as.mutation(api.teams.create, { name: "Other" });
  await bob.as.mutation(api.videos.create, { teamId: other, title: "Quarterly plans", fileName: "o.mp4" });

  const search = (text: string) => alice.as.query(api.search.videos, { teamId, text });
  expect(titles(await search("quarterly"))).toEqual(["Quarterly review"]);
  expect(titles(await search("walkthrough"))).toEqual(["Product demo"]);
  expect(titles(await search("demo edit"))).toEqual(["Product demo"]);
  expect(titles(await search("  "))).toEqual(["Team offsite", "Product demo", "Quarterly review"]);
  expect(titles(await search("nothing like it"))).toEqual([]);
});

test("renaming a video moves it in the search; status and has-links filters; sort by title, newest, oldest", async () => {
  const { t, alice, teamId, add } = await library();
  const a = await add("Zeta launch");
  const b = await add("Alpha launch");
  const c = await add("Mid launch");
  await t.run(async (ctx) => ctx.db.patch(c, { status: "ready" }));
  await alice.as.mutation(api.videos.update, { videoId: a, title: "Zeta premiere" });
  expect(titles(await alice.as.query(api.search.videos, { teamId, text: "launch", sort: "title" }))).toEqual([
    "Alpha launch",
    "Mid launch",
  ]);
  expect(titles(await alice.as.query(api.search.videos, { teamId, text: "premiere" }))).toEqual(["Zeta premiere"]);
  expect(titles(await alice.as.query(api.search.videos, { teamId, text: "launch", status: "ready" }))).toEqual(["Mid launch"]);
  expect(titles(await alice.as.query(api.search.videos, { teamId, text: "", status: "uploading", sort: "oldest" }))).toEqual([
    "Zeta premiere",
    "Alpha launch",
  ]);
  expect(titles(await alice.as.query(api.search.videos, { teamId, text: "", sort: "newest" }))).toEqual([
    "Mid launch",
    "Alpha launch",
    "Zeta premiere",
  ]);

  await t.run(async (ctx) => ctx.db.patch(b, { status: "ready", storageId: undefined }));
  await alice.as.mutation(api.shareLinks.create, { videoId: b, expiresInDays: 7 });
  const linked = await alice.as.query(api.search.videos, { teamId, text: "launch", hasLinks: true });
  expect(linked.videos.map((v) => [v.title, v.hasLinks])).toEqual([["Alpha launch", true]]);
  expect(titles(await alice.as.query(api.search.videos, { teamId, text: "", hasLinks: false, sort: "title" }))).toEqual([
    "Mid launch",
    "Zeta premiere",
  ]);
});

test("search needs membership (viewers may), sign-in, and a bounded text", async () => {
  const { t, alice, teamId } = await library();
  const viewer = await signedInUser(t, "Vic");
  await joinTeam(alice, teamId, viewer, "viewer");
  expect((await viewer.as.query(api.search.videos, { teamId, text: "x" })).videos).toEqual([]);
  const stranger = await signedInUser(t, "Sam");
  await expectCode(stranger.as.query(api.search.videos, { teamId, text: "x" }), "NOT_FOUND");
  await expectCode(stranger.as.query(api.search.links, { teamId, text: "x" }), "NOT_FOUND");
  await expectCode(t.query(api.search.videos, { teamId, text: "x" }), "UNAUTHENTICATED");
  await expectCode(alice.as.query(api.search.videos, { teamId, text: "x".repeat(201) }), "INVALID_ARGUMENT");
});

async function linkFor(
  t: TestConvex,
  alice: Awaited<ReturnType<typeof signedInUser>>,
  videoId: Id<"videos">,
  policy: { label?: string; note?: string; customSlug?: string },
) {
  await t.run(async (ctx) => ctx.db.patch(videoId, { status: "ready" }));
  return (await alice.as.mutation(api.shareLinks.create, { videoId, expiresInDays: 7, ...policy })).linkId;
}

// convex-test's search reads every document's search field as a string and splits on spaces
// only: these links set all three fields. Missing fields and word splitting are covered against
// the embedded backend (local-backend/appSearch.test.ts).
test("the team's links are found by label, slug or note, label matches first", async () => {
  const { t, alice, teamId, add } = await library();
  const video = await add("Launch cut");
  const byLabel = await linkFor(t, alice, video, { label: "Press preview", note: "first", customSlug: "one" });
  const bySlug = await linkFor(t, alice, video, { label: "Second", note: "second", customSlug: "press" });
  const byNote = await linkFor(t, alice, video, { label: "Third", note: "for the press office only", customSlug: "three" });
  await linkFor(t, alice, video, { label: "Investors", note: "board", customSlug: "four" });
  const matches = await alice.as.query(api.search.links, { teamId, text: "press" });
  expect(matches.map((m) => m.linkId)).toEqual([byLabel, bySlug, byNote]);
  expect(matches[0]).toMatchObject({ videoTitle: "Launch cut", label: "Press preview", status: "active" });
  expect(await alice.as.query(api.search.links, { teamId, text: "" })).toEqual([]);
});

test("collection links are found too, named as what they open (a collection), beside video links", async () => {
  const { t, alice, teamId, add } = await library();
  const video = await add("Launch cut");
  const collectionId = await alice.as.mutation(api.collections.create, { teamId, title: "Summer reel", videoIds: [video] });
  const ofCollection = (
    await alice.as.mutation(api.shareLinks.create, { collectionId, label: "Client Carol", note: "selects", customSlug: "carol-reel" })
  ).linkId;
  const ofVideo = await linkFor(t, alice, video, { label: "Carol cut", note: "video", customSlug: "carol-cut" });
  const matches = await alice.as.query(api.search.links, { teamId, text: "carol" });
  expect(matches.map((m) => m.linkId).sort()).toEqual([ofCollection, ofVideo].sort());
  expect(matches.find((m) => m.linkId === ofCollection)).toMatchObject({
    kind: "collection",
    collectionId,
    videoId: null,
    videoTitle: "Summer reel",
  });
  expect(matches.find((m) => m.linkId === ofVideo)).toMatchObject({
    kind: "video",
    videoId: video,
    collectionId: null,
    videoTitle: "Launch cut",
  });
});

test("the backfill gives videos written before searchText existed their search text", async () => {
  const { t, alice, teamId } = await library();
  const old = await t.run(async (ctx) =>
    ctx.db.insert("videos", {
      teamId,
      title: "Archive reel",
      description: "From 2019",
      fileName: "a.mp4",
      status: "ready",
      uploadedBy: alice.userId,
    }),
  );
  expect(await t.run(async (ctx) => (await ctx.db.get(old))?.searchText ?? null)).toBeNull();
  expect(await t.mutation(internal.search.backfillVideoSearchText, {})).toEqual({ updated: 1, isDone: true });
  expect(titles(await alice.as.query(api.search.videos, { teamId, text: "2019" }))).toEqual(["Archive reel"]);
  expect(await t.mutation(internal.search.backfillVideoSearchText, {})).toEqual({ updated: 0, isDone: true });
});

test("the backfill runs in batches, each scheduling the next", async () => {
  vi.useFakeTimers();
  try {
    const { t, alice, teamId } = await library();
    await t.run(async (ctx) => {
      for (let i = 0; i <= BACKFILL_BATCH; i++) {
        await ctx.db.insert("videos", {
          teamId,
          title: `Old ${i}`,
          description: "",
          fileName: "a.mp4",
          status: "ready",
          uploadedBy: alice.userId,
        });
      }
    });
    expect(await t.mutation(internal.search.backfillVideoSearchText, {})).toEqual({ updated: BACKFILL_BATCH, isDone: false });
    await t.finishAllScheduledFunctions(vi.runAllTimers);
    expect(await t.run(async (ctx) => (await ctx.db.query("videos").collect()).filter((v) => v.searchText === undefined).length)).toBe(0);
  } finally {
    vi.useRealTimers();
  }
});
