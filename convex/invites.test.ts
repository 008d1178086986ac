import { afterEach, expect, test, vi } from "vitest";
import { api } from "./_generated/api";
import { INVITE_TTL_MS } from "./lib/invites";
import { expectCode, initConvexTest, joinTeam, signedInUser } from "./test.setup";

afterEach(() => vi.useRealTimers());

const tokenOf = (url: string) => url.split("/invite/")[1];

async function studio() {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const teamId = await alice.as.mutation(api.teams.create, { name: "Studio" });
  return { t, alice, teamId };
}

test("the invite link previews the team, and accepting it makes the signed-in account a member once", async () => {
  const { t, alice, teamId } = await studio();
  const bob = await signedInUser(t, "Bob");
  const eve = await signedInUser(t, "Eve");
  const { url } = await alice.as.mutation(api.teams.invite, { teamId, email: "bob@example.com", role: "member" });
  const token = tokenOf(url);
  expect(await t.query(api.invites.preview, { token })).toMatchObject({
    status: "pending",
    teamName: "Studio",
    role: "member",
    email: "bob@example.com",
    invitedBy: "Alice",
    signedInAs: null,
  });
  // Opened signed in, the preview names the account (the page warns when it is not the invited address).
  expect(await eve.as.query(api.invites.preview, { token })).toMatchObject({ status: "pending", signedInAs: "eve@example.com" });
  expect(await bob.as.query(api.invites.preview, { token })).toMatchObject({ signedInAs: "bob@example.com" });
  await expectCode(t.mutation(api.invites.accept, { token }), "UNAUTHENTICATED");
  expect(await bob.as.mutation(api.invites.accept, { token })).toEqual({ teamId, teamName: "Studio", role: "member" });
  expect(await bob.as.query(api.teams.listMine, {})).toEqual([{ teamId, name: "Studio", role: "member", createdAt: expect.any(Number) }]);
  // Single use: the link is gone for everyone, including a stranger who saw it later.
  expect(await t.query(api.invites.preview, { token })).toEqual({ status: "invalid" });
  await expectCode(eve.as.mutation(api.invites.accept, { token }), "NOT_FOUND");
  expect(await eve.as.query(api.teams.listMine, {})).toEqual([]);
  expect((await alice.as.query(api.teams.members, { teamId })).invites).toEqual([]);
});

test("unknown, malformed, cancelled and replaced links open nothing", async () => {
  const { t, alice, teamId } = await studio();
  const eve = await signedInUser(t, "Eve");
  for (const token of ["", "x", "A".repeat(43), "../../etc"]) {
    expect(await t.query(api.invites.preview, { token })).toEqual({ status: "invalid" });
    await expectCode(eve.as.mutation(api.invites.accept, { token }), "NOT_FOUND");
  }
  const first = await alice.as.mutation(api.teams.invite, { teamId, email: "eve@example.com", role: "viewer" });
  const second = await alice.as.mutation(api.teams.invite, { teamId, email: "eve@example.com", role: "member" });
  expect(second.inviteId).toBe(first.inviteId);
  await expectCode(eve.as.mutation(api.invites.accept, { token: tokenOf(first.url) }), "NOT_FOUND");
  await alice.as.mutation(api.teams.cancelInvite, { inviteId: second.inviteId });
  await expectCode(eve.as.mutation(api.invites.accept, { token: tokenOf(second.url) }), "NOT_FOUND");
  expect(await eve.as.query(api.teams.listMine, {})).toEqual([]);
});

test("an invitation expires after 7 days", async () => {
  vi.useFakeTimers();
  vi.setSystemTime(new Date("2026-06-01T12:00:00Z"));
  const { t, alice, teamId } = await studio();
  const bob = await signedInUser(t, "Bob");
  const { url, expiresAt } = await alice.as.mutation(api.teams.invite, { teamId, email: "bob@example.com", role: "member" });
  expect(expiresAt).toBe(Date.now() + INVITE_TTL_MS);
  vi.setSystemTime(expiresAt);
  expect(await t.query(api.invites.preview, { token: tokenOf(url) })).toEqual({ status: "expired" });
  await expectCode(bob.as.mutation(api.invites.accept, { token: tokenOf(url) }), "INVITE_EXPIRED");
  expect(await bob.as.query(api.teams.listMine, {})).toEqual([]);
});

test("the accepting account's email need not match: the secret link is the proof", async () => {
  const { t, alice, teamId } = await studio();
  const bobWork = await signedInUser(t, "BobAtWork");
  const { url } = await alice.as.mutation(api.teams.invite, { teamId, email: "bob@home.example", role: "viewer" });
  await bobWork.as.mutation(api.invites.accept, { token: tokenOf(url) });
  expect(await bobWork.as.query(api.teams.listMine, {})).toEqual([
    { teamId, name: "Studio", role: "viewer", createdAt: expect.any(Number) },
  ]);
});

test("an existing member cannot spend a link meant for someone else's seat twice", async () => {
  const { t, alice, teamId } = await studio();
  const bob = await signedInUser(t, "Bob");
  await joinTeam(alice, teamId, bob, "viewer");
  const { url } = await alice.as.mutation(api.teams.invite, { teamId, email: "carol@example.com", role: "admin" });
  await expectCode(bob.as.mutation(api.invites.accept, { token: tokenOf(url) }), "ALREADY_MEMBER");
  expect(await bob.as.query(api.teams.listMine, {})).toEqual([{ teamId, name: "Studio", role: "viewer", createdAt: expect.any(Number) }]);
  expect(await t.query(api.invites.preview, { token: tokenOf(url) })).toMatchObject({ status: "pending" });
});

test("owner invitations need an owner, when created and when accepted", async () => {
  const { t, alice, teamId } = await studio();
  const adam = await signedInUser(t, "Adam");
  const carol = await signedInUser(t, "Carol");
  const dave = await signedInUser(t, "Dave");
  await joinTeam(alice, teamId, adam, "admin");
  await expectCode(adam.as.mutation(api.teams.invite, { teamId, email: carol.email, role: "owner" }), "FORBIDDEN");
  // Alice invites as owner, then loses the owner role before the link is used: it no longer grants owner.
  await joinTeam(alice, teamId, dave, "owner");
  const { url } = await alice.as.mutation(api.teams.invite, { teamId, email: carol.email, role: "owner" });
  await dave.as.mutation(api.teams.changeRole, { teamId, userId: alice.userId, role: "admin" });
  await expectCode(carol.as.mutation(api.invites.accept, { token: tokenOf(url) }), "FORBIDDEN");
  // An admin's invitation dies with the admin's membership.
  const fromAdam = await adam.as.mutation(api.teams.invite, { teamId, email: carol.email, role: "member" });
  await alice.as.mutation(api.teams.removeMember, { teamId, userId: adam.userId });
  await expectCode(carol.as.mutation(api.invites.accept, { token: tokenOf(fromAdam.url) }), "NOT_FOUND");
  expect(await carol.as.query(api.teams.listMine, {})).toEqual([]);
});

test("invitations per admin are rate-limited", async () => {
  const { alice, teamId } = await studio();
  for (let i = 0; i < 30; i++) await alice.as.mutation(api.teams.invite, { teamId, email: `p${i}@example.com`, role: "viewer" });
  await expectCode(alice.as.mutation(api.teams.invite, { teamId, email: "one-more@example.com", role: "viewer" }), "RATE_LIMITED");
});
