import { expect, test } from "vitest";
import { api } from "./_generated/api";
import { claimInvitesForUser } from "./lib/invites";
import { dumpTables, expectCode, initConvexTest, signedInUser } from "./test.setup";

test("creating a team makes you its owner; listMine shows only your teams", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const bob = await signedInUser(t, "Bob");
  const teamId = await alice.as.mutation(api.teams.create, { name: "  Studio  " });
  expect(await alice.as.query(api.teams.listMine, {})).toEqual([{ teamId, name: "Studio", role: "owner" }]);
  expect(await bob.as.query(api.teams.listMine, {})).toEqual([]);
});

test("team functions need a signed-in user", async () => {
  const t = initConvexTest();
  await expectCode(t.mutation(api.teams.create, { name: "x" }), "UNAUTHENTICATED");
  await expectCode(t.query(api.teams.listMine, {}), "UNAUTHENTICATED");
});

test("empty or long team names are refused and nothing is written", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const before = await dumpTables(t);
  await expectCode(alice.as.mutation(api.teams.create, { name: "   " }), "INVALID_ARGUMENT");
  await expectCode(alice.as.mutation(api.teams.create, { name: "x".repeat(81) }), "INVALID_ARGUMENT");
  expect(await dumpTables(t)).toEqual(before);
});

test("inviting an existing account adds them at once; an unknown email waits for sign-up", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const bob = await signedInUser(t, "Bob");
  const teamId = await alice.as.mutation(api.teams.create, { name: "Studio" });
  expect(await alice.as.mutation(api.teams.invite, { teamId, email: "BOB@example.com", role: "member" })).toBe("added");
  await expectCode(
    alice.as.mutation(api.teams.invite, { teamId, email: bob.email, role: "viewer" }),
    "ALREADY_MEMBER",
  );
  expect(await alice.as.mutation(api.teams.invite, { teamId, email: "carol@example.com", role: "viewer" })).toBe("invited");
  const { members, invites } = await alice.as.query(api.teams.members, { teamId });
  expect(members.map((m) => [m.name, m.role]).sort()).toEqual([["Alice", "owner"], ["Bob", "member"]]);
  expect(invites).toEqual([expect.objectContaining({ email: "carol@example.com", role: "viewer" })]);
  // Members below admin do not see pending invitations.
  expect((await bob.as.query(api.teams.members, { teamId })).invites).toEqual([]);

  // Carol signs up: the sign-up callback claims her invitation.
  const carol = await signedInUser(t, "Carol");
  await t.run((ctx) => claimInvitesForUser(ctx, carol.userId));
  expect(await carol.as.query(api.teams.listMine, {})).toEqual([{ teamId, name: "Studio", role: "viewer" }]);
  expect((await alice.as.query(api.teams.members, { teamId })).invites).toEqual([]);
});

test("an invitation made before sign-in is claimed by claimInvites", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const teamId = await alice.as.mutation(api.teams.create, { name: "Studio" });
  // Dave's account exists but has no email yet at invite time (e.g. email added later).
  const dave = await signedInUser(t, "Dave");
  await t.run((ctx) => ctx.db.insert("teamInvites", { teamId, email: dave.email, role: "member", invitedBy: alice.userId }));
  expect(await dave.as.mutation(api.teams.claimInvites, {})).toBe(1);
  expect(await dave.as.query(api.teams.listMine, {})).toEqual([{ teamId, name: "Studio", role: "member" }]);
});

test("only owners and admins invite, and only owners grant the owner role", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const bob = await signedInUser(t, "Bob");
  const carol = await signedInUser(t, "Carol");
  const teamId = await alice.as.mutation(api.teams.create, { name: "Studio" });
  await alice.as.mutation(api.teams.invite, { teamId, email: bob.email, role: "member" });
  await expectCode(bob.as.mutation(api.teams.invite, { teamId, email: "x@example.com", role: "viewer" }), "FORBIDDEN");
  await alice.as.mutation(api.teams.changeRole, { teamId, userId: bob.userId, role: "admin" });
  await expectCode(bob.as.mutation(api.teams.invite, { teamId, email: carol.email, role: "owner" }), "FORBIDDEN");
  expect(await bob.as.mutation(api.teams.invite, { teamId, email: carol.email, role: "admin" })).toBe("added");
  await expectCode(bob.as.mutation(api.teams.changeRole, { teamId, userId: alice.userId, role: "viewer" }), "FORBIDDEN");
  await expectCode(alice.as.mutation(api.teams.invite, { teamId, email: "not-an-email", role: "viewer" }), "INVALID_ARGUMENT");
});

test("non-members get NOT_FOUND, never a hint the team exists", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const eve = await signedInUser(t, "Eve");
  const teamId = await alice.as.mutation(api.teams.create, { name: "Studio" });
  await expectCode(eve.as.query(api.teams.members, { teamId }), "NOT_FOUND");
  await expectCode(eve.as.mutation(api.teams.invite, { teamId, email: "x@example.com", role: "viewer" }), "NOT_FOUND");
  await expectCode(eve.as.mutation(api.teams.removeMember, { teamId, userId: alice.userId }), "NOT_FOUND");
});

test("the last owner can neither leave nor be demoted; with a second owner both work", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const bob = await signedInUser(t, "Bob");
  const teamId = await alice.as.mutation(api.teams.create, { name: "Studio" });
  await expectCode(alice.as.mutation(api.teams.removeMember, { teamId, userId: alice.userId }), "LAST_OWNER");
  await expectCode(alice.as.mutation(api.teams.changeRole, { teamId, userId: alice.userId, role: "admin" }), "LAST_OWNER");
  await alice.as.mutation(api.teams.invite, { teamId, email: bob.email, role: "owner" });
  await alice.as.mutation(api.teams.changeRole, { teamId, userId: alice.userId, role: "admin" });
  await expectCode(bob.as.mutation(api.teams.removeMember, { teamId, userId: bob.userId }), "LAST_OWNER");
  await bob.as.mutation(api.teams.removeMember, { teamId, userId: alice.userId });
  expect(await alice.as.query(api.teams.listMine, {})).toEqual([]);
});

test("members leave on their own; admins remove members; invitations can be cancelled", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const bob = await signedInUser(t, "Bob");
  const carol = await signedInUser(t, "Carol");
  const teamId = await alice.as.mutation(api.teams.create, { name: "Studio" });
  await alice.as.mutation(api.teams.invite, { teamId, email: bob.email, role: "viewer" });
  await alice.as.mutation(api.teams.invite, { teamId, email: carol.email, role: "member" });
  await expectCode(bob.as.mutation(api.teams.removeMember, { teamId, userId: carol.userId }), "FORBIDDEN");
  await bob.as.mutation(api.teams.removeMember, { teamId, userId: bob.userId });
  await alice.as.mutation(api.teams.removeMember, { teamId, userId: carol.userId });
  expect((await alice.as.query(api.teams.members, { teamId })).members).toHaveLength(1);

  await alice.as.mutation(api.teams.invite, { teamId, email: "zed@example.com", role: "viewer" });
  const [invite] = (await alice.as.query(api.teams.members, { teamId })).invites;
  await alice.as.mutation(api.teams.cancelInvite, { inviteId: invite.inviteId });
  expect((await alice.as.query(api.teams.members, { teamId })).invites).toEqual([]);
});
