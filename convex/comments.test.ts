import { expect, test } from "vitest";
import { api } from "./_generated/api";
import { expectCode, initConvexTest, joinTeam, signedInUser, teamWithReadyVideo } from "./test.setup";

test("members post and reply one level deep, with timestamps; getThreaded nests replies", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const { videoId } = await teamWithReadyVideo(t, alice);
  const top = await alice.as.mutation(api.comments.add, { videoId, body: "Nice cut", timestampSeconds: 3.5 });
  const reply = await alice.as.mutation(api.comments.add, { videoId, body: "Thanks", parentId: top });
  await expectCode(alice.as.mutation(api.comments.add, { videoId, body: "deep", parentId: reply }), "INVALID_ARGUMENT");
  await expectCode(alice.as.mutation(api.comments.add, { videoId, body: "  " }), "INVALID_ARGUMENT");
  await expectCode(alice.as.mutation(api.comments.add, { videoId, body: "x", timestampSeconds: -2 }), "INVALID_ARGUMENT");
  const threads = await alice.as.query(api.comments.getThreaded, { videoId });
  expect(threads).toEqual([
    expect.objectContaining({
      commentId: top,
      authorName: "Alice",
      body: "Nice cut",
      timestampSeconds: 3.5,
      mine: true,
      replies: [expect.objectContaining({ commentId: reply, body: "Thanks", timestampSeconds: null })],
    }),
  ]);
});

test("viewers read but cannot post; authors and admins delete; non-members get NOT_FOUND", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const bob = await signedInUser(t, "Bob");
  const vera = await signedInUser(t, "Vera");
  const eve = await signedInUser(t, "Eve");
  const { teamId, videoId } = await teamWithReadyVideo(t, alice);
  await joinTeam(alice, teamId, bob, "member");
  await joinTeam(alice, teamId, vera, "viewer");
  const mine = await alice.as.mutation(api.comments.add, { videoId, body: "by alice" });
  const bobs = await bob.as.mutation(api.comments.add, { videoId, body: "by bob" });
  await bob.as.mutation(api.comments.add, { videoId, body: "reply", parentId: bobs });
  expect(await vera.as.query(api.comments.getThreaded, { videoId })).toHaveLength(2);
  await expectCode(vera.as.mutation(api.comments.add, { videoId, body: "hi" }), "FORBIDDEN");
  await expectCode(bob.as.mutation(api.comments.remove, { commentId: mine }), "FORBIDDEN");
  await expectCode(eve.as.query(api.comments.getThreaded, { videoId }), "NOT_FOUND");
  await expectCode(eve.as.mutation(api.comments.remove, { commentId: mine }), "NOT_FOUND");
  await alice.as.mutation(api.comments.remove, { commentId: bobs });
  const left = await t.run((ctx) => ctx.db.query("comments").collect());
  expect(left.map((c) => c.body)).toEqual(["by alice"]);
});

test("share viewers read comments with names only, and nothing once the grant stops working", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const { videoId } = await teamWithReadyVideo(t, alice);
  await alice.as.mutation(api.comments.add, { videoId, body: "Hello viewers", timestampSeconds: 1 });
  const link = await alice.as.mutation(api.shareLinks.create, { videoId });
  const grant = await t.mutation(api.shareLinks.issueAccessGrant, { token: link.token });
  if (!grant.ok) throw new Error("grant refused");
  const threads = await t.query(api.comments.getThreadedForShareGrant, { grantToken: grant.grantToken });
  expect(threads).toHaveLength(1);
  expect(JSON.stringify(threads)).not.toContain(alice.email);
  expect(JSON.stringify(threads)).not.toContain(alice.userId);
  expect(threads[0]).toMatchObject({ authorName: "Alice", body: "Hello viewers", mine: false });
  expect(await t.query(api.comments.getThreadedForShareGrant, { grantToken: "nonsense" })).toEqual([]);
  await alice.as.mutation(api.shareLinks.revoke, { linkId: link.linkId });
  expect(await t.query(api.comments.getThreadedForShareGrant, { grantToken: grant.grantToken })).toEqual([]);
});
