import { expect, test } from "vitest";
import { api } from "./_generated/api";
import { expectCode, initConvexTest, signedInUser } from "./test.setup";

test("after signOut the session's token is refused by authed queries and mutations at once", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const teamId = await alice.as.mutation(api.teams.create, { name: "Studio" });
  expect(await alice.as.query(api.teams.listMine, {})).toHaveLength(1);

  // Convex Auth's signOut deletes the session row; the JWT (this identity) is still unexpired.
  await alice.as.action(api.auth.signOut, {});
  expect(await t.run((ctx) => ctx.db.get(alice.sessionId))).toBeNull();
  await expectCode(alice.as.query(api.teams.listMine, {}), "UNAUTHENTICATED");
  await expectCode(alice.as.query(api.teams.members, { teamId }), "UNAUTHENTICATED");
  await expectCode(alice.as.mutation(api.teams.create, { name: "Again" }), "UNAUTHENTICATED");
});

test("a token naming another user's session, or an unknown session, is refused", async () => {
  const t = initConvexTest();
  const alice = await signedInUser(t, "Alice");
  const bob = await signedInUser(t, "Bob");
  const forged = t.withIdentity({ subject: `${alice.userId}|${bob.sessionId}` });
  await expectCode(forged.query(api.teams.listMine, {}), "UNAUTHENTICATED");
  const noSession = t.withIdentity({ subject: `${alice.userId}` });
  await expectCode(noSession.query(api.teams.listMine, {}), "UNAUTHENTICATED");
  // Other sessions of the same user keep working.
  expect(await bob.as.query(api.teams.listMine, {})).toEqual([]);
});
