/** /api/v1 for collection links: create, list, revoke, and the public info that lists the videos. */
import { expect, test } from "vitest";
import { api } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { initConvexTest, joinTeam, signedInUser, uploadFor, type TestConvex } from "./test.setup";

async function setup() {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const teamId = await alice.as.mutation(api.teams.create, { name: "Studio" });
  const videos: Id<"videos">[] = [];
  for (const [title, seconds] of [
    ["One", 5],
    ["Two", 7],
  ] as const) {
    const videoId = await alice.as.mutation(api.videos.create, { teamId, title, fileName: `${title}.mp4` });
    const storageId = await uploadFor(t, alice.as, videoId, new Uint8Array([0, 0, 0, 24, 102, 116, 121, 112]), "video/mp4");
    await alice.as.action(api.videos.finalizeUpload, { videoId, storageId, durationSeconds: seconds });
    videos.push(videoId);
  }
  const collectionId = await alice.as.mutation(api.collections.create, {
    teamId,
    title: "Pair",
    description: "Two cuts",
    videoIds: videos,
  });
  const { key } = await alice.as.mutation(api.apiKeys.create, { teamId, name: "bot", scopes: ["shares:read", "shares:write"] });
  return { t, alice, teamId, videos, collectionId, key };
}

const call = (t: TestConvex, path: string, key: string | null, init: RequestInit = {}) =>
  t.fetch(path, {
    ...init,
    headers: { ...(key ? { Authorization: `Bearer ${key}` } : {}), "Content-Type": "application/json", ...(init.headers ?? {}) },
  });

test("create, list (by collection_id), public info with the videos, revoke", async () => {
  const { t, videos, collectionId, key } = await setup();
  const created = await call(t, "/api/v1/shares", key, {
    method: "POST",
    body: JSON.stringify({ collection_id: collectionId, password: "pw", allow_comments: true }),
  });
  expect(created.status).toBe(201);
  const share = (await created.json()) as {
    id: string;
    url: string;
    video_id: null;
    collection_id: string;
    allow_comments: boolean;
    requires_password: boolean;
  };
  expect(share).toMatchObject({ video_id: null, collection_id: collectionId, allow_comments: true, requires_password: true });
  const listed = (await (await call(t, `/api/v1/shares?collection_id=${collectionId}`, key)).json()) as { data: { id: string }[] };
  expect(listed.data.map((s) => s.id)).toEqual([share.id]);
  const token = share.url.split("/").pop()!;
  expect((await call(t, `/api/v1/public/${token}`, null)).status).toBe(401);
  const info = await call(t, `/api/v1/public/${token}`, null, { headers: { "X-Share-Password": "pw" } });
  expect(info.status).toBe(200);
  expect(await info.json()).toEqual({
    kind: "collection",
    title: "Pair",
    description: "Two cuts",
    requires_password: true,
    allow_download: false,
    videos: [
      { id: videos[0], title: "One", duration_seconds: 5, size: 8, content_type: "video/mp4" },
      { id: videos[1], title: "Two", duration_seconds: 7, size: 8, content_type: "video/mp4" },
    ],
  });
  expect((await call(t, `/api/v1/shares/${share.id}`, key, { method: "DELETE" })).status).toBe(204);
  expect((await call(t, `/api/v1/public/${token}`, null, { headers: { "X-Share-Password": "pw" } })).status).toBe(404);
});

test("a create body names exactly one of video_id and collection_id, in the key's team", async () => {
  const { t, alice, videos, collectionId, key } = await setup();
  const both = await call(t, "/api/v1/shares", key, {
    method: "POST",
    body: JSON.stringify({ collection_id: collectionId, video_id: videos[0] }),
  });
  expect([both.status, ((await both.json()) as { error: { code: string } }).error.code]).toEqual([400, "VALIDATION_ERROR"]);
  const neither = await call(t, "/api/v1/shares", key, { method: "POST", body: JSON.stringify({}) });
  expect([neither.status, ((await neither.json()) as { error: { message: string } }).error.message]).toEqual([
    400,
    "video_id is required (or collection_id, to share a collection).",
  ]);
  const otherTeam = await alice.as.mutation(api.teams.create, { name: "Other" });
  const otherCollection = await alice.as.mutation(api.collections.create, { teamId: otherTeam, title: "Elsewhere" });
  const foreign = await call(t, "/api/v1/shares", key, { method: "POST", body: JSON.stringify({ collection_id: otherCollection }) });
  expect([foreign.status, ((await foreign.json()) as { error: { code: string } }).error.code]).toEqual([404, "COLLECTION_NOT_FOUND"]);
  expect(await t.run((ctx) => ctx.db.query("shareLinks").collect())).toEqual([]);
  // Video links keep working as before, now with kind "video".
  const video = await call(t, "/api/v1/shares", key, { method: "POST", body: JSON.stringify({ video_id: videos[0] }) });
  const token = ((await video.json()) as { url: string }).url.split("/").pop()!;
  expect(await (await call(t, `/api/v1/public/${token}`, null)).json()).toMatchObject({ kind: "video", title: "One" });
});

test("/media/<grant>?video=<id>: a collection grant serves the named video of its collection, and only those", async () => {
  const { t, alice, teamId, videos, collectionId } = await setup();
  const link = await alice.as.mutation(api.shareLinks.create, { collectionId });
  const grant = await t.mutation(api.shareLinks.issueAccessGrant, { token: link.token, viewerId: "media-viewer-1" });
  if (!grant.ok) throw new Error(grant.reason);
  const second = await t.fetch(`/media/${grant.grantToken}?video=${videos[1]}`, { headers: { Range: "bytes=0-3" } });
  expect(second.status).toBe(206);
  expect(new Uint8Array(await second.arrayBuffer())).toEqual(new Uint8Array([0, 0, 0, 24]));
  expect((await t.fetch(`/media/${grant.grantToken}`)).status).toBe(404);
  const loose = await alice.as.mutation(api.videos.create, { teamId, title: "Loose", fileName: "l.mp4" });
  expect((await t.fetch(`/media/${grant.grantToken}?video=${loose}`)).status).toBe(404);
  expect((await t.fetch(`/media/${grant.grantToken}/download?video=${videos[0]}`)).status).toBe(403);
});

test("an API key stops working, reads included, once its creator is removed from the team or is no longer an admin", async () => {
  const { t, alice, teamId } = await setup();
  const [carol, dave] = [await signedInUser(t, "Carol"), await signedInUser(t, "Dave")];
  await joinTeam(alice, teamId, carol, "admin");
  await joinTeam(alice, teamId, dave, "admin");
  const keyOf = async (who: typeof carol) =>
    (await who.as.mutation(api.apiKeys.create, { teamId, name: "mine", scopes: ["shares:read", "shares:write"] })).key;
  const [carolKey, daveKey] = [await keyOf(carol), await keyOf(dave)];
  expect((await call(t, "/api/v1/shares", carolKey)).status).toBe(200);
  await alice.as.mutation(api.teams.removeMember, { teamId, userId: carol.userId });
  await alice.as.mutation(api.teams.changeRole, { teamId, userId: dave.userId, role: "member" });
  for (const key of [carolKey, daveKey]) {
    const listed = await call(t, "/api/v1/shares", key);
    expect(listed.status).toBe(401);
    expect(await listed.json()).toMatchObject({ error: { code: "UNAUTHORIZED" } });
  }
  // The owner's own key keeps working.
  expect((await call(t, "/api/v1/shares", await keyOf(alice))).status).toBe(200);
});
