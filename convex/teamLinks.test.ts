import { expect, test } from "vitest";
import { api } from "./_generated/api";
import { expectCode, initConvexTest, signedInUser, teamWithReadyVideo } from "./test.setup";

test("teamLinks.list shows every link of the team with its video; revokeMany revokes only this team's links", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const { teamId, videoId } = await teamWithReadyVideo(t, alice);
  const first = await alice.as.mutation(api.shareLinks.create, { videoId, expiresInDays: 7 });
  const second = await alice.as.mutation(api.shareLinks.create, { videoId });
  const links = await alice.as.query(api.teamLinks.list, { teamId });
  expect(links.map((l) => l.linkId)).toEqual([second.linkId, first.linkId]);
  expect(links[0]).toMatchObject({ status: "active", url: second.url });
  expect(typeof links[0].videoTitle).toBe("string");

  const bob = await signedInUser(t, "Bob");
  const other = await teamWithReadyVideo(t, bob);
  const foreign = await bob.as.mutation(api.shareLinks.create, { videoId: other.videoId });
  await expectCode(alice.as.mutation(api.teamLinks.revokeMany, { teamId, linkIds: [first.linkId, foreign.linkId] }), "NOT_FOUND");
  expect((await bob.as.query(api.teamLinks.list, { teamId: other.teamId }))[0].status).toBe("active");

  expect(await alice.as.mutation(api.teamLinks.revokeMany, { teamId, linkIds: [first.linkId, second.linkId] })).toBe(2);
  expect((await alice.as.query(api.teamLinks.list, { teamId })).map((l) => l.status)).toEqual(["revoked", "revoked"]);
  expect(await alice.as.mutation(api.teamLinks.revokeMany, { teamId, linkIds: [first.linkId] })).toBe(0);
});

test("viewerFacts: what is left of a link's limits, for a usable grant only", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const { videoId } = await teamWithReadyVideo(t, alice);
  const link = await alice.as.mutation(api.shareLinks.create, { videoId, allowDownload: true, maxViews: 3, maxDownloads: 2 });
  const grant = await t.mutation(api.shareLinks.issueAccessGrant, { token: link.token });
  if (!grant.ok) throw new Error("no grant");
  expect(await t.query(api.teamLinks.viewerFacts, { grantToken: grant.grantToken })).toEqual({
    posterUrl: null,
    viewsLeft: 2,
    viewersLeft: null,
    downloadsLeft: 2,
  });
  await alice.as.mutation(api.shareLinks.update, { linkId: link.linkId, allowDownload: false });
  expect(await t.query(api.teamLinks.viewerFacts, { grantToken: grant.grantToken })).toMatchObject({ downloadsLeft: null });
  await alice.as.mutation(api.shareLinks.revoke, { linkId: link.linkId });
  expect(await t.query(api.teamLinks.viewerFacts, { grantToken: grant.grantToken })).toBeNull();
});
