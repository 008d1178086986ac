/** The real app (this repo's convex/) over the wire: Convex Auth sign-up, teams, upload, share links, grants. */
import { ConvexClient, ConvexHttpClient } from "convex/browser";
import { afterAll, beforeAll, expect, test } from "vitest";
import WebSocket from "ws";
import { api } from "../convex/_generated/api";
import { APP_PROJECT, attemptTicket, signUp as signUpOverWire, uploadReadyVideo, withMp4Head } from "./appTesting";
import { spawnBackend, type RunningBackend } from "../local-backend/testing";

let backend: RunningBackend;
beforeAll(async () => {
  backend = await spawnBackend({ projectDir: APP_PROJECT });
});
afterAll(async () => backend?.stop());

const signUp = (email: string, name: string) => signUpOverWire(backend, email, name);

async function readyVideo(http: ConvexHttpClient) {
  const teamId = await http.mutation(api.teams.create, { name: "Studio" });
  const { videoId } = await uploadReadyVideo(http, teamId, { body: withMp4Head(new Uint8Array(64)) as BodyInit });
  return { teamId, videoId };
}

test("Convex Auth sign-up and sign-in work end to end; wrong passwords are refused", async () => {
  const { http } = await signUp("alice@example.com", "Alice");
  const teamId = await http.mutation(api.teams.create, { name: "Studio" });
  expect(await http.query(api.teams.listMine, {})).toEqual([{ teamId, name: "Studio", role: "owner", createdAt: expect.any(Number) }]);
  const anon = new ConvexHttpClient(backend.cloudUrl);
  const ticket = () => attemptTicket(backend.siteUrl, "alice@example.com", "signIn");
  const again = (await anon.action(api.auth.signIn, {
    provider: "password",
    params: { email: "alice@example.com", password: "correct-horse-battery", flow: "signIn", attemptTicket: await ticket() },
  })) as { tokens: { token: string } };
  expect(again.tokens.token).toBeTruthy();
  await expect(
    anon.action(api.auth.signIn, {
      provider: "password",
      params: { email: "alice@example.com", password: "wrong-password-1", flow: "signIn", attemptTicket: await ticket() },
    }),
  ).rejects.toThrow(/Wrong email or password/);
  // No ticket, no attempt.
  await expect(
    anon.action(api.auth.signIn, {
      provider: "password",
      params: { email: "alice@example.com", password: "correct-horse-battery", flow: "signIn" },
    }),
  ).rejects.toThrow(/no valid ticket/);
  await expect(anon.query(api.teams.listMine, {})).rejects.toThrow(/Sign in/);
});

test("share flow over the wire: upload, password link, lockout per viewer (rate-limiter component), grant, live revoke", async () => {
  const { http, token } = await signUp("bob@example.com", "Bob");
  const { videoId } = await readyVideo(http);
  const link = await http.mutation(api.shareLinks.create, { videoId, password: "s3cret" });
  const viewer = new ConvexClient(backend.cloudUrl, { webSocketConstructor: WebSocket as never, unsavedChangesWarning: false });
  try {
    expect(await viewer.query(api.shareLinks.getByToken, { token: link.token })).toEqual({ status: "passwordRequired" });
    for (let i = 0; i < 4; i++) {
      expect(
        await viewer.mutation(api.shareLinks.issueAccessGrant, { token: link.token, password: "nope", viewerId: "attacker-01" }),
      ).toEqual({
        ok: false,
        reason: "invalidPassword",
      });
    }
    expect(
      await viewer.mutation(api.shareLinks.issueAccessGrant, { token: link.token, password: "nope", viewerId: "attacker-01" }),
    ).toMatchObject({
      reason: "locked",
    });
    const grant = await viewer.mutation(api.shareLinks.issueAccessGrant, {
      token: link.token,
      password: "s3cret",
      viewerId: "viewer-0001",
    });
    if (!grant.ok) throw new Error(`grant refused: ${grant.reason}`);

    const states: Array<unknown> = [];
    const dark = new Promise<void>((resolve) => {
      viewer.onUpdate(api.videos.getByShareGrant, { grantToken: grant.grantToken }, (v) => {
        states.push(v);
        if (v === null) resolve();
      });
    });
    while (states.length === 0) await new Promise((r) => setTimeout(r, 20));
    expect(states[0]).toMatchObject({ title: "Cut", canDownload: false });
    const member = new ConvexClient(backend.cloudUrl, { webSocketConstructor: WebSocket as never, unsavedChangesWarning: false });
    member.setAuth(async () => token);
    await member.mutation(api.shareLinks.revoke, { linkId: link.linkId });
    await dark;
    await member.close();
    expect(states.at(-1)).toBeNull();
  } finally {
    await viewer.close();
  }
});

test("an invitation is a secret link: signing up with the email joins nothing, accepting the link does", async () => {
  const { http: owner } = await signUp("olga@example.com", "Olga");
  const teamId = await owner.mutation(api.teams.create, { name: "Invited" });
  const { url } = await owner.mutation(api.teams.invite, { teamId, email: "Newcomer@Example.com", role: "member" });
  const { http: newcomer } = await signUp("newcomer@example.com", "Newcomer");
  expect(await newcomer.query(api.teams.listMine, {})).toEqual([]);
  await newcomer.mutation(api.invites.accept, { token: url.split("/invite/")[1] });
  expect(await newcomer.query(api.teams.listMine, {})).toEqual([
    { teamId, name: "Invited", role: "member", createdAt: expect.any(Number) },
  ]);
});

test("after signOut the old token is refused over the wire", async () => {
  const { http, token } = await signUp("sam@example.com", "Sam");
  expect(await http.query(api.teams.listMine, {})).toEqual([]);
  await http.action(api.auth.signOut, {});
  const stale = new ConvexHttpClient(backend.cloudUrl);
  stale.setAuth(token);
  await expect(stale.query(api.teams.listMine, {})).rejects.toThrow(/Sign in/);
});

test("query results are shared per identity only: two users and an anonymous client subscribed at the same commit each see their own", async () => {
  const [carol, dave] = [await signUp("carol@example.com", "Carol"), await signUp("dave@example.com", "Dave")];
  const carolTeam = await carol.http.mutation(api.teams.create, { name: "Carol's" });
  const daveTeam = await dave.http.mutation(api.teams.create, { name: "Dave's" });
  const socket = (token: string | null) => {
    const client = new ConvexClient(backend.cloudUrl, { webSocketConstructor: WebSocket as never, unsavedChangesWarning: false });
    if (token) client.setAuth(async () => token);
    return client;
  };
  const clients = [socket(carol.token), socket(dave.token), socket(null)];
  try {
    const [asCarol, asDave, anonymous] = await Promise.all(
      clients.map((client) =>
        client.query(api.teams.listMine, {}).then(
          (teams) => teams.map((t) => t.teamId),
          (error: Error) => error.message,
        ),
      ),
    );
    expect(asCarol).toEqual([carolTeam]);
    expect(asDave).toEqual([daveTeam]);
    expect(anonymous).toMatch(/Sign in/);
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
});
