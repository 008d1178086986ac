import { expect, test } from "vitest";
import { api } from "./_generated/api";
import { dumpTables, expectCode, initConvexTest, joinTeam, signedInUser, teamWithReadyVideo } from "./test.setup";

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

test("share viewers read no comments unless the link allows them (existing links: off)", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const { videoId } = await teamWithReadyVideo(t, alice);
  await alice.as.mutation(api.comments.add, { videoId, body: "Internal: fix the grade", timestampSeconds: 1 });
  const link = await alice.as.mutation(api.shareLinks.create, { videoId });
  const grant = await t.mutation(api.shareLinks.issueAccessGrant, { token: link.token });
  if (!grant.ok) throw new Error("grant refused");
  expect(await t.query(api.comments.getThreadedForShareGrant, { grantToken: grant.grantToken })).toEqual([]);
  expect(await t.query(api.comments.getGuestReview, { grantToken: grant.grantToken })).toEqual({ allowComments: false, threads: [] });
  // A link stored before the option existed has no field at all: off.
  await t.run(async (ctx) => {
    const doc = await ctx.db.get(link.linkId);
    expect(doc && "allowComments" in doc).toBe(false);
  });
  expect((await alice.as.query(api.shareLinks.list, { videoId }))[0].allowComments).toBe(false);
});

test("with allowComments, guests read threads with names only, and nothing once the grant stops working", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const { videoId } = await teamWithReadyVideo(t, alice);
  await alice.as.mutation(api.comments.add, { videoId, body: "Hello viewers", timestampSeconds: 1 });
  const link = await alice.as.mutation(api.shareLinks.create, { videoId, allowComments: true });
  const grant = await t.mutation(api.shareLinks.issueAccessGrant, { token: link.token });
  if (!grant.ok) throw new Error("grant refused");
  const threads = await t.query(api.comments.getThreadedForShareGrant, { grantToken: grant.grantToken });
  expect(threads).toHaveLength(1);
  expect(JSON.stringify(threads)).not.toContain(alice.email);
  expect(JSON.stringify(threads)).not.toContain(alice.userId);
  expect(threads[0]).toMatchObject({ authorName: "Alice", isGuest: false, body: "Hello viewers", mine: false });
  expect((await t.query(api.comments.getGuestReview, { grantToken: grant.grantToken })).threads).toEqual(threads);
  expect(await t.query(api.comments.getThreadedForShareGrant, { grantToken: "nonsense" })).toEqual([]);
  await alice.as.mutation(api.shareLinks.revoke, { linkId: link.linkId });
  expect(await t.query(api.comments.getThreadedForShareGrant, { grantToken: grant.grantToken })).toEqual([]);
  expect(await t.query(api.comments.getGuestReview, { grantToken: grant.grantToken })).toEqual({ allowComments: false, threads: [] });
});

async function guestOnCommentLink(allowComments = true) {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const { teamId, videoId } = await teamWithReadyVideo(t, alice);
  const link = await alice.as.mutation(api.shareLinks.create, { videoId, allowComments });
  const grant = await t.mutation(api.shareLinks.issueAccessGrant, { token: link.token, viewerId: "viewer-guest-1" });
  if (!grant.ok) throw new Error("grant refused");
  return { t, alice, teamId, videoId, link, grantToken: grant.grantToken };
}

test("a guest posts and replies at a timestamp; members see it marked as a guest's, reply and delete it", async () => {
  const { t, alice, teamId, videoId, grantToken } = await guestOnCommentLink();
  const bob = await signedInUser(t, "Bob");
  await joinTeam(alice, teamId, bob, "member");
  const posted = await t.mutation(api.comments.addAsGuest, {
    grantToken,
    name: "  Dana (client) ",
    body: "Logo too small",
    timestampSeconds: 12,
  });
  if (!posted.ok) throw new Error(`refused: ${posted.reason}`);
  const memberView = await bob.as.query(api.comments.getThreaded, { videoId });
  expect(memberView).toEqual([
    expect.objectContaining({ commentId: posted.commentId, authorName: "Dana (client)", isGuest: true, timestampSeconds: 12, mine: false }),
  ]);
  const answer = await bob.as.mutation(api.comments.add, { videoId, body: "Will fix", parentId: posted.commentId });
  const guestReply = await t.mutation(api.comments.addAsGuest, {
    grantToken,
    name: "Dana",
    body: "Thanks!\nSee you",
    parentId: posted.commentId,
  });
  expect(guestReply.ok).toBe(true);
  const guestView = await t.query(api.comments.getGuestReview, { grantToken });
  expect(guestView.threads[0]).toMatchObject({
    mine: true,
    isGuest: true,
    replies: [
      { commentId: answer, authorName: "Bob", isGuest: false },
      { body: "Thanks!\nSee you", mine: true },
    ],
  });
  // Nothing that identifies a member (email, user id) or the guest's viewer key reaches the guest.
  const text = JSON.stringify(guestView);
  for (const secret of [alice.email, bob.email, alice.userId, bob.userId, "viewer-guest-1"]) expect(text).not.toContain(secret);
  // A member (not only admins) deletes a guest's comment, and its replies go with it.
  await bob.as.mutation(api.comments.remove, { commentId: posted.commentId });
  expect(await t.run((ctx) => ctx.db.query("comments").collect())).toEqual([]);
});

test("viewers of the team cannot delete guests' comments; members cannot delete other members'", async () => {
  const { t, alice, teamId, grantToken } = await guestOnCommentLink();
  const vera = await signedInUser(t, "Vera");
  await joinTeam(alice, teamId, vera, "viewer");
  const posted = await t.mutation(api.comments.addAsGuest, { grantToken, name: "Dana", body: "hi" });
  if (!posted.ok) throw new Error("refused");
  await expectCode(vera.as.mutation(api.comments.remove, { commentId: posted.commentId }), "FORBIDDEN");
});

test("guest input is validated before anything is written: name, body length, control characters, timestamp, parent", async () => {
  const { t, alice, videoId, grantToken } = await guestOnCommentLink();
  const other = await alice.as.mutation(api.videos.create, {
    teamId: (await alice.as.query(api.videos.get, { videoId }))!.teamId,
    title: "Other",
    fileName: "o.mp4",
  });
  const foreign = await alice.as.mutation(api.comments.add, { videoId: other, body: "elsewhere" });
  const before = await dumpTables(t);
  const bad = [
    { name: "", body: "hi" },
    { name: "   ", body: "hi" },
    { name: "x".repeat(61), body: "hi" },
    { name: "Da\nna", body: "hi" },
    { name: "Dana", body: "" },
    { name: "Dana", body: "x".repeat(2001) },
    { name: "Dana", body: "bell\u0007" },
    { name: "Dana", body: "evil\u202Eorder" },
    { name: "Dana\u0000", body: "hi" },
    { name: "Dana", body: "hi", timestampSeconds: -1 },
    { name: "Dana", body: "hi", timestampSeconds: Number.NaN },
    { name: "Dana", body: "hi", parentId: foreign },
  ];
  for (const args of bad) await expectCode(t.mutation(api.comments.addAsGuest, { grantToken, ...args }), "INVALID_ARGUMENT");
  expect(await dumpTables(t)).toEqual(before);
  // Markup is stored as the text it is (the UI renders text, never HTML).
  const html = await t.mutation(api.comments.addAsGuest, { grantToken, name: "<b>Dana</b>", body: "<img src=x onerror=alert(1)>" });
  expect(html.ok).toBe(true);
  expect((await t.query(api.comments.getGuestReview, { grantToken })).threads[0]).toMatchObject({
    authorName: "<b>Dana</b>",
    body: "<img src=x onerror=alert(1)>",
  });
});

test("turning the option off or revoking the link stops guest posting at once; bad grants are refused", async () => {
  const { t, alice, link, grantToken } = await guestOnCommentLink();
  expect((await t.mutation(api.comments.addAsGuest, { grantToken, name: "Dana", body: "one" })).ok).toBe(true);
  await alice.as.mutation(api.shareLinks.update, { linkId: link.linkId, allowComments: false });
  expect(await t.mutation(api.comments.addAsGuest, { grantToken, name: "Dana", body: "two" })).toEqual({
    ok: false,
    reason: "commentsOff",
  });
  expect(await t.query(api.comments.getGuestReview, { grantToken })).toEqual({ allowComments: false, threads: [] });
  await alice.as.mutation(api.shareLinks.update, { linkId: link.linkId, allowComments: true });
  expect((await t.query(api.comments.getGuestReview, { grantToken })).allowComments).toBe(true);
  await alice.as.mutation(api.shareLinks.revoke, { linkId: link.linkId });
  expect(await t.mutation(api.comments.addAsGuest, { grantToken, name: "Dana", body: "three" })).toEqual({ ok: false, reason: "missing" });
  expect(await t.mutation(api.comments.addAsGuest, { grantToken: "x".repeat(43), name: "Dana", body: "four" })).toEqual({
    ok: false,
    reason: "grantInvalid",
  });
  expect((await t.run((ctx) => ctx.db.query("comments").collect())).map((c) => c.body)).toEqual(["one"]);
});

test("a link without comments refuses guest posts", async () => {
  const { t, grantToken } = await guestOnCommentLink(false);
  expect(await t.mutation(api.comments.addAsGuest, { grantToken, name: "Dana", body: "hi" })).toEqual({ ok: false, reason: "commentsOff" });
  expect(await t.run((ctx) => ctx.db.query("comments").collect())).toEqual([]);
});

test("guest posting is limited per viewer, and one flooding viewer does not silence another", async () => {
  const { t, link, grantToken } = await guestOnCommentLink();
  const results = [];
  for (let i = 0; i < 11; i++) results.push(await t.mutation(api.comments.addAsGuest, { grantToken, name: "Spam", body: `#${i}` }));
  expect(results.slice(0, 10).every((r) => r.ok)).toBe(true);
  expect(results[10]).toMatchObject({ ok: false, reason: "commentsTooFast" });
  const other = await t.mutation(api.shareLinks.issueAccessGrant, { token: link.token, viewerId: "viewer-guest-2" });
  if (!other.ok) throw new Error("grant refused");
  expect((await t.mutation(api.comments.addAsGuest, { grantToken: other.grantToken, name: "Dana", body: "still here" })).ok).toBe(true);
});

test("guest posting has a per-link ceiling that many viewers together meet", async () => {
  const { t, link } = await guestOnCommentLink();
  let refused = null;
  for (let viewer = 0; viewer < 25 && !refused; viewer++) {
    const grant = await t.mutation(api.shareLinks.issueAccessGrant, { token: link.token, viewerId: `viewer-many-${viewer}` });
    if (!grant.ok) throw new Error("grant refused");
    for (let i = 0; i < 10; i++) {
      const r = await t.mutation(api.comments.addAsGuest, { grantToken: grant.grantToken, name: "V", body: `${viewer}/${i}` });
      if (!r.ok) {
        refused = { count: viewer * 10 + i, reason: r.reason };
        break;
      }
    }
  }
  expect(refused).toEqual({ count: 200, reason: "commentsTooFast" });
});

test("past the newest 500 comments the oldest drop out of the thread list, never the latest", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const { videoId } = await teamWithReadyVideo(t, alice);
  await t.run(async (ctx) => {
    for (let i = 0; i < 500; i++) await ctx.db.insert("comments", { videoId, authorId: alice.userId, body: `flood ${i}` });
  });
  const latest = await alice.as.mutation(api.comments.add, { videoId, body: "The one that matters" });
  const threads = await alice.as.query(api.comments.getThreaded, { videoId });
  expect(threads).toHaveLength(500);
  // Oldest first, as before: "flood 0" fell out; the newest is last and shown.
  expect(threads[0].body).toBe("flood 1");
  expect(threads.at(-1)).toMatchObject({ commentId: latest, body: "The one that matters" });
});
