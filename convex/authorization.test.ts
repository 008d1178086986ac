/**
 * Every public function × {anonymous, non-member, viewer, member, admin, owner}: who is let
 * in, and what the others get (UNAUTHENTICATED, NOT_FOUND for outsiders, FORBIDDEN for
 * members below the role).
 */
import { expect, test } from "vitest";
import { api } from "./_generated/api";
import type { Id } from "./_generated/dataModel";
import { initConvexTest, joinTeam, signedInUser, storeFile, teamWithReadyVideo, type TestConvex } from "./test.setup";

const PEOPLE = ["anonymous", "nonMember", "viewer", "member", "admin", "owner"] as const;
type Person = (typeof PEOPLE)[number];
type Outcome = "ok" | "UNAUTHENTICATED" | "NOT_FOUND" | "FORBIDDEN";

type World = {
  t: TestConvex;
  teamId: Id<"teams">;
  videoId: Id<"videos">;
  linkId: Id<"shareLinks">;
  token: string;
  commentId: Id<"comments">;
  collectionId: Id<"collections">;
  users: Record<Exclude<Person, "anonymous">, Id<"users">>;
};
type Caller = { query: TestConvex["query"]; mutation: TestConvex["mutation"] };

/** Minimum role for each team-scoped function; `run` makes a fresh call with fresh data. */
const CASES: Array<{ name: string; min: "viewer" | "member" | "admin" | "owner"; run: (c: Caller, w: World) => Promise<unknown> }> = [
  { name: "teams.members", min: "viewer", run: (c, w) => c.query(api.teams.members, { teamId: w.teamId }) },
  {
    name: "teams.invite",
    min: "admin",
    run: (c, w) => c.mutation(api.teams.invite, { teamId: w.teamId, email: "new@example.com", role: "viewer" }),
  },
  {
    name: "teams.changeRole",
    min: "admin",
    run: (c, w) => c.mutation(api.teams.changeRole, { teamId: w.teamId, userId: w.users.member, role: "member" }),
  },
  { name: "teams.quota", min: "viewer", run: (c, w) => c.query(api.teams.quota, { teamId: w.teamId }) },
  { name: "teams.setLinkQuota", min: "owner", run: (c, w) => c.mutation(api.teams.setLinkQuota, { teamId: w.teamId, limit: 10 }) },
  {
    name: "accessLog.list",
    min: "viewer",
    run: (c, w) => c.query(api.accessLog.list, { linkId: w.linkId, paginationOpts: { numItems: 10, cursor: null } }),
  },
  {
    name: "apiKeys.create",
    min: "admin",
    run: (c, w) => c.mutation(api.apiKeys.create, { teamId: w.teamId, name: "bot", scopes: ["shares:read"] }),
  },
  { name: "apiKeys.list", min: "admin", run: (c, w) => c.query(api.apiKeys.list, { teamId: w.teamId }) },
  { name: "videos.list", min: "viewer", run: (c, w) => c.query(api.videos.list, { teamId: w.teamId }) },
  { name: "videos.get", min: "viewer", run: (c, w) => c.query(api.videos.get, { videoId: w.videoId }) },
  {
    name: "videos.create",
    min: "member",
    run: (c, w) => c.mutation(api.videos.create, { teamId: w.teamId, title: "t", fileName: "t.mp4" }),
  },
  {
    name: "videos.generateUploadUrl",
    min: "member",
    run: (c, w) => c.mutation(api.videos.generateUploadUrl, { videoId: w.videoId, purpose: "poster" }),
  },
  { name: "videos.update", min: "member", run: (c, w) => c.mutation(api.videos.update, { videoId: w.videoId, title: "New" }) },
  {
    name: "videos.setPoster",
    min: "member",
    run: async (c, w) => {
      // An upload session for the poster, as generateUploadUrl opens it for a member.
      await w.t.run(async (ctx) => {
        await ctx.db.insert("uploads", {
          videoId: w.videoId,
          purpose: "poster",
          issuedBy: w.users.owner,
          expiresAt: Date.now() + 3600_000,
        });
      });
      return c.mutation(api.videos.setPoster, { videoId: w.videoId, storageId: await storeFile(w.t, new Uint8Array(1), "image/png") });
    },
  },
  { name: "comments.getThreaded", min: "viewer", run: (c, w) => c.query(api.comments.getThreaded, { videoId: w.videoId }) },
  { name: "comments.add", min: "member", run: (c, w) => c.mutation(api.comments.add, { videoId: w.videoId, body: "hi" }) },
  { name: "shareLinks.list", min: "viewer", run: (c, w) => c.query(api.shareLinks.list, { videoId: w.videoId }) },
  { name: "shareLinks.create", min: "member", run: (c, w) => c.mutation(api.shareLinks.create, { videoId: w.videoId }) },
  {
    name: "shareLinks.update",
    min: "member",
    run: (c, w) => c.mutation(api.shareLinks.update, { linkId: w.linkId, allowDownload: true }),
  },
  { name: "shareLinks.revoke", min: "member", run: (c, w) => c.mutation(api.shareLinks.revoke, { linkId: w.linkId }) },
  { name: "shareLinks.remove", min: "member", run: (c, w) => c.mutation(api.shareLinks.remove, { linkId: w.linkId }) },
  { name: "videos.remove", min: "member", run: (c, w) => c.mutation(api.videos.remove, { videoId: w.videoId }) },
  {
    name: "collections.create",
    min: "member",
    run: (c, w) => c.mutation(api.collections.create, { teamId: w.teamId, title: "Reel", videoIds: [w.videoId] }),
  },
  { name: "collections.list", min: "viewer", run: (c, w) => c.query(api.collections.list, { teamId: w.teamId }) },
  { name: "collections.get", min: "viewer", run: (c, w) => c.query(api.collections.get, { collectionId: w.collectionId }) },
  {
    name: "collections.update",
    min: "member",
    run: (c, w) => c.mutation(api.collections.update, { collectionId: w.collectionId, title: "New" }),
  },
  {
    name: "collections.addVideo",
    min: "member",
    run: async (c, w) => {
      await w.t.run((ctx) => ctx.db.patch(w.collectionId, { videoIds: [] }));
      return c.mutation(api.collections.addVideo, { collectionId: w.collectionId, videoId: w.videoId });
    },
  },
  {
    name: "collections.removeVideo",
    min: "member",
    run: (c, w) => c.mutation(api.collections.removeVideo, { collectionId: w.collectionId, videoId: w.videoId }),
  },
  {
    name: "collections.reorder",
    min: "member",
    run: (c, w) => c.mutation(api.collections.reorder, { collectionId: w.collectionId, videoIds: [w.videoId] }),
  },
  { name: "collections.remove", min: "member", run: (c, w) => c.mutation(api.collections.remove, { collectionId: w.collectionId }) },
  {
    name: "shareLinks.create (collection)",
    min: "member",
    run: (c, w) => c.mutation(api.shareLinks.create, { collectionId: w.collectionId }),
  },
  { name: "shareLinks.list (collection)", min: "viewer", run: (c, w) => c.query(api.shareLinks.list, { collectionId: w.collectionId }) },
  { name: "teamLinks.list", min: "viewer", run: (c, w) => c.query(api.teamLinks.list, { teamId: w.teamId }) },
  {
    name: "teamLinks.revokeMany",
    min: "member",
    run: (c, w) => c.mutation(api.teamLinks.revokeMany, { teamId: w.teamId, linkIds: [w.linkId] }),
  },
];

const RANK = { viewer: 1, member: 2, admin: 3, owner: 4 } as const;

function expected(person: Person, min: keyof typeof RANK): Outcome {
  if (person === "anonymous") return "UNAUTHENTICATED";
  if (person === "nonMember") return "NOT_FOUND";
  return RANK[person] >= RANK[min] ? "ok" : "FORBIDDEN";
}

async function world(): Promise<{ w: World; callers: Record<Person, Caller> }> {
  const t = initConvexTest();
  const owner = await signedInUser(t, "Owner");
  const { teamId, videoId } = await teamWithReadyVideo(t, owner);
  const others = {
    nonMember: await signedInUser(t, "Outsider"),
    viewer: await signedInUser(t, "Viewer"),
    member: await signedInUser(t, "Member"),
    admin: await signedInUser(t, "Admin"),
  };
  for (const role of ["viewer", "member", "admin"] as const) {
    await joinTeam(owner, teamId, others[role], role);
  }
  const link = await owner.as.mutation(api.shareLinks.create, { videoId });
  const commentId = await owner.as.mutation(api.comments.add, { videoId, body: "first" });
  const collectionId = await owner.as.mutation(api.collections.create, { teamId, title: "Reel", videoIds: [videoId] });
  const w: World = {
    t,
    teamId,
    videoId,
    linkId: link.linkId,
    token: link.token,
    commentId,
    collectionId,
    users: {
      owner: owner.userId,
      nonMember: others.nonMember.userId,
      viewer: others.viewer.userId,
      member: others.member.userId,
      admin: others.admin.userId,
    },
  };
  const callers: Record<Person, Caller> = {
    anonymous: t,
    nonMember: others.nonMember.as,
    viewer: others.viewer.as,
    member: others.member.as,
    admin: others.admin.as,
    owner: owner.as,
  };
  return { w, callers };
}

async function outcome(call: Promise<unknown>): Promise<Outcome | string> {
  try {
    await call;
    return "ok";
  } catch (e) {
    return (e as { data?: { code?: string } }).data?.code ?? String(e);
  }
}

for (const c of CASES) {
  test(`authorization matrix: ${c.name} needs ${c.min}`, async () => {
    const results: Record<string, string> = {};
    const wanted: Record<string, string> = {};
    for (const person of PEOPLE) {
      // A fresh world per call so that deletes and role changes do not leak between callers.
      const { w, callers } = await world();
      results[person] = await outcome(c.run(callers[person], w));
      wanted[person] = expected(person, c.min);
    }
    expect(results).toEqual(wanted);
  });
}

test("anonymous public functions take nothing but tokens and reveal nothing without them", async () => {
  const { w, callers } = await world();
  for (const person of PEOPLE) {
    const c = callers[person];
    expect(await c.query(api.shareLinks.getByToken, { token: w.token })).toMatchObject({ status: "ok" });
    expect(await c.query(api.videos.getByShareGrant, { grantToken: "x".repeat(43) })).toBeNull();
    expect(await c.query(api.comments.getThreadedForShareGrant, { grantToken: "x".repeat(43) })).toEqual([]);
    expect(await c.query(api.comments.getGuestReview, { grantToken: "x".repeat(43) })).toEqual({ allowComments: false, threads: [] });
    expect(await c.mutation(api.comments.addAsGuest, { grantToken: "x".repeat(43), name: "Guest", body: "hi" })).toEqual({
      ok: false,
      reason: "grantInvalid",
    });
    expect(await c.query(api.teamLinks.viewerFacts, { grantToken: "x".repeat(43) })).toBeNull();
    expect(await c.query(api.collections.getByShareGrant, { grantToken: "x".repeat(43) })).toBeNull();
    expect(await c.mutation(api.shareGrants.renew, { grantToken: "x".repeat(43) })).toEqual({ ok: false, reason: "missing" });
    expect(await c.mutation(api.shareLinks.issueAccessGrant, { token: w.token })).toMatchObject({ ok: true });
  }
});

test("comments.remove: authors and admins only", async () => {
  for (const person of PEOPLE) {
    const { w, callers } = await world();
    const result = await outcome(callers[person].mutation(api.comments.remove, { commentId: w.commentId }));
    const want = {
      anonymous: "UNAUTHENTICATED",
      nonMember: "NOT_FOUND",
      viewer: "FORBIDDEN",
      member: "FORBIDDEN",
      admin: "ok",
      owner: "ok",
    }[person];
    expect([person, result]).toEqual([person, want]);
  }
});

test("comments.remove of a guest's comment: members and up", async () => {
  for (const person of PEOPLE) {
    const { w, callers } = await world();
    const link = await callers.owner.mutation(api.shareLinks.create, { videoId: w.videoId, allowComments: true });
    const grant = await w.t.mutation(api.shareLinks.issueAccessGrant, { token: link.token });
    if (!grant.ok) throw new Error("grant refused");
    const posted = await w.t.mutation(api.comments.addAsGuest, { grantToken: grant.grantToken, name: "Guest", body: "hello" });
    if (!posted.ok) throw new Error("guest refused");
    const result = await outcome(callers[person].mutation(api.comments.remove, { commentId: posted.commentId }));
    expect([person, result]).toEqual([person, expected(person, "member")]);
  }
});

test("guest comment functions work for every caller kind alike: a grant is the only key", async () => {
  const { w, callers } = await world();
  const link = await callers.owner.mutation(api.shareLinks.create, { videoId: w.videoId, allowComments: true });
  for (const person of PEOPLE) {
    const c = callers[person];
    const grant = await c.mutation(api.shareLinks.issueAccessGrant, { token: link.token });
    if (!grant.ok) throw new Error("grant refused");
    expect(await c.mutation(api.comments.addAsGuest, { grantToken: grant.grantToken, name: person, body: "hi" })).toMatchObject({
      ok: true,
    });
    expect((await c.query(api.comments.getGuestReview, { grantToken: grant.grantToken })).allowComments).toBe(true);
  }
});
