import { expect, test } from "vitest";
import { api } from "./_generated/api";
import { dumpTables, expectCode, initConvexTest, joinTeam, signedInUser } from "./test.setup";

test("creating a team makes you its owner; listMine shows only your teams", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const bob = await signedInUser(t, "Bob");
  const teamId = await alice.as.mutation(api.teams.create, { name: "  Studio  " });
  expect(await alice.as.query(api.teams.listMine, {})).toEqual([{ teamId, name: "Studio", role: "owner", createdAt: expect.any(Number) }]);
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

test("invite answers the same for a registered and an unknown email, and adds nobody", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const bob = await signedInUser(t, "Bob");
  const teamId = await alice.as.mutation(api.teams.create, { name: "Studio" });
  const before = await t.run((ctx) => ctx.db.query("teamMembers").collect());
  const registered = await alice.as.mutation(api.teams.invite, { teamId, email: "BOB@example.com", role: "member" });
  const unknown = await alice.as.mutation(api.teams.invite, { teamId, email: "carol@example.com", role: "viewer" });
  for (const answer of [registered, unknown]) {
    expect(Object.keys(answer).sort()).toEqual(["expiresAt", "inviteId", "url"]);
    expect(answer.url).toMatch(/^http:\/\/app\.test\/invite\/[A-Za-z0-9_-]{43}$/);
  }
  expect(registered.url).not.toBe(unknown.url);
  // Nobody joined: Bob has an account but is not in the team until he accepts the link.
  expect(await t.run((ctx) => ctx.db.query("teamMembers").collect())).toEqual(before);
  expect(await bob.as.query(api.teams.listMine, {})).toEqual([]);
  const { members, invites } = await alice.as.query(api.teams.members, { teamId });
  expect(members.map((m) => m.name)).toEqual(["Alice"]);
  expect(invites.map((i) => [i.email, i.role, i.url]).sort()).toEqual([
    ["bob@example.com", "member", registered.url],
    ["carol@example.com", "viewer", unknown.url],
  ]);
});

test("only the SHA-256 of an invitation token is stored, and admins can copy the link again", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const bob = await signedInUser(t, "Bob");
  const teamId = await alice.as.mutation(api.teams.create, { name: "Studio" });
  const { url } = await alice.as.mutation(api.teams.invite, { teamId, email: "dan@example.com", role: "member" });
  const token = url.split("/invite/")[1];
  const stored = JSON.stringify(await dumpTables(t));
  expect(stored).not.toContain(token);
  const [row] = await t.run((ctx) => ctx.db.query("teamInvites").collect());
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  expect(row.tokenHash).toBe([...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join(""));
  expect((await alice.as.query(api.teams.members, { teamId })).invites[0].url).toBe(url);
  // Members below admin see neither pending invitations nor their links.
  await joinTeam(alice, teamId, bob, "member");
  expect((await bob.as.query(api.teams.members, { teamId })).invites).toEqual([]);
});

test("only owners and admins invite, and only owners grant the owner role", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const bob = await signedInUser(t, "Bob");
  const carol = await signedInUser(t, "Carol");
  const teamId = await alice.as.mutation(api.teams.create, { name: "Studio" });
  await joinTeam(alice, teamId, bob, "member");
  await expectCode(bob.as.mutation(api.teams.invite, { teamId, email: "x@example.com", role: "viewer" }), "FORBIDDEN");
  await alice.as.mutation(api.teams.changeRole, { teamId, userId: bob.userId, role: "admin" });
  await expectCode(bob.as.mutation(api.teams.invite, { teamId, email: carol.email, role: "owner" }), "FORBIDDEN");
  await joinTeam(bob, teamId, carol, "admin");
  expect(await carol.as.query(api.teams.listMine, {})).toEqual([{ teamId, name: "Studio", role: "admin", createdAt: expect.any(Number) }]);
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
  await joinTeam(alice, teamId, bob, "owner");
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
  await joinTeam(alice, teamId, bob, "viewer");
  await joinTeam(alice, teamId, carol, "member");
  await expectCode(bob.as.mutation(api.teams.removeMember, { teamId, userId: carol.userId }), "FORBIDDEN");
  await bob.as.mutation(api.teams.removeMember, { teamId, userId: bob.userId });
  await alice.as.mutation(api.teams.removeMember, { teamId, userId: carol.userId });
  expect((await alice.as.query(api.teams.members, { teamId })).members).toHaveLength(1);

  await alice.as.mutation(api.teams.invite, { teamId, email: "zed@example.com", role: "viewer" });
  const [invite] = (await alice.as.query(api.teams.members, { teamId })).invites;
  await alice.as.mutation(api.teams.cancelInvite, { inviteId: invite.inviteId });
  expect((await alice.as.query(api.teams.members, { teamId })).invites).toEqual([]);
});
