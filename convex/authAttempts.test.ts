/**
 * Sign-up and sign-in go through Convex Auth's real signIn action here, with the Password
 * provider wrapped by requireAttemptTicket; tickets come from POST /auth/attempt.
 */
import { beforeAll, expect, test } from "vitest";
import { api } from "./_generated/api";
import { base64url } from "./lib/tokens";
import { expectCode, initConvexTest, signedInUser, type TestConvex } from "./test.setup";

beforeAll(async () => {
  if (process.env.JWT_PRIVATE_KEY) return;
  const pair = await crypto.subtle.generateKey(
    { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
    true,
    ["sign", "verify"],
  );
  const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  let binary = "";
  for (const b of pkcs8) binary += String.fromCharCode(b);
  process.env.JWT_PRIVATE_KEY = `-----BEGIN PRIVATE KEY-----\n${btoa(binary).replace(/(.{64})/g, "$1\n")}\n-----END PRIVATE KEY-----`;
});

const PASSWORD = "correct-horse-battery";
type Flow = "signIn" | "signUp";

async function attempt(t: TestConvex, address: string, email: string, flow: Flow) {
  const res = await t.fetch("/auth/attempt", {
    method: "POST",
    headers: { "X-Forwarded-For": address },
    body: JSON.stringify({ email, flow }),
  });
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as { ticket?: string; error?: { code: string; reason?: string; message: string } },
  };
}

async function ticketFor(t: TestConvex, address: string, email: string, flow: Flow) {
  const { status, body } = await attempt(t, address, email, flow);
  expect(status, JSON.stringify(body)).toBe(200);
  return body.ticket!;
}

function signIn(t: TestConvex, params: Record<string, string>) {
  return t.action(api.auth.signIn, { provider: "password", params }) as Promise<{ tokens: { token: string } | null }>;
}

async function signUp(t: TestConvex, address: string, email: string, name = "Someone") {
  const attemptTicket = await ticketFor(t, address, email, "signUp");
  return await signIn(t, { email, password: PASSWORD, flow: "signUp", name, attemptTicket });
}

async function signInFrom(t: TestConvex, address: string, email: string, password: string) {
  const attemptTicket = await ticketFor(t, address, email, "signIn");
  return await signIn(t, { email, password, flow: "signIn", attemptTicket });
}

test("sign-up and sign-in without a ticket are refused before any password work, and nothing is written", async () => {
  const t = initConvexTest();
  await expectCode(signIn(t, { email: "a@example.com", password: PASSWORD, flow: "signUp", name: "A" }), "INVALID_ARGUMENT");
  await expectCode(signIn(t, { email: "a@example.com", password: PASSWORD, flow: "signIn" }), "INVALID_ARGUMENT");
  expect(await t.run((ctx) => ctx.db.query("users").collect())).toEqual([]);
});

test("a ticket works once, only for its email and flow, and only unforged and unexpired", async () => {
  const t = initConvexTest();
  const ticket = await ticketFor(t, "198.51.100.1", "ann@example.com", "signUp");
  await expectCode(
    signIn(t, { email: "bob@example.com", password: PASSWORD, flow: "signUp", name: "B", attemptTicket: ticket }),
    "INVALID_ARGUMENT",
  );
  await expectCode(signIn(t, { email: "ann@example.com", password: PASSWORD, flow: "signIn", attemptTicket: ticket }), "INVALID_ARGUMENT");
  const [body, mac] = ticket.split(".");
  const payload = JSON.parse(atob(body.replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;
  const forged = `${base64url(new TextEncoder().encode(JSON.stringify({ ...payload, e: "bob@example.com" })))}.${mac}`;
  await expectCode(
    signIn(t, { email: "bob@example.com", password: PASSWORD, flow: "signUp", name: "B", attemptTicket: forged }),
    "INVALID_ARGUMENT",
  );

  const ok = await signIn(t, { email: "Ann@Example.com ", password: PASSWORD, flow: "signUp", name: "Ann", attemptTicket: ticket });
  expect(ok.tokens?.token).toBeTruthy();
  await expectCode(
    signIn(t, { email: "ann@example.com", password: PASSWORD, flow: "signUp", name: "Ann", attemptTicket: ticket }),
    "INVALID_ARGUMENT",
  );
  await expectCode(signIn(t, { email: "ann@example.com", password: PASSWORD, flow: "signIn", attemptTicket: ticket }), "INVALID_ARGUMENT");
  expect(await t.run((ctx) => ctx.db.query("users").collect())).toHaveLength(1);
}, 30_000);

test("an expired ticket is refused", async () => {
  const t = initConvexTest();
  const ticket = await ticketFor(t, "198.51.100.2", "late@example.com", "signUp");
  const realNow = Date.now;
  Date.now = () => realNow() + 3 * 60_000;
  try {
    await expectCode(
      signIn(t, { email: "late@example.com", password: PASSWORD, flow: "signUp", name: "L", attemptTicket: ticket }),
      "INVALID_ARGUMENT",
    );
  } finally {
    Date.now = realNow;
  }
});

test("sign-ups are limited per client address with an honest 429; other addresses are unaffected", async () => {
  const t = initConvexTest();
  for (let i = 0; i < 10; i++) await ticketFor(t, "203.0.113.9", `loop${i}@example.com`, "signUp");
  const refused = await attempt(t, "203.0.113.9", "loop-more@example.com", "signUp");
  expect(refused.status).toBe(429);
  expect(refused.body.error).toMatchObject({ code: "RATE_LIMITED", reason: "tooManyFromAddress" });
  expect(refused.body.error!.message).toMatch(/^Too many attempts from your network — try again in \d+ minutes?\.$/);
  expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThan(0);
  expect((await attempt(t, "203.0.113.10", "someone@example.com", "signUp")).status).toBe(200);
});

test("sign-in attempts are limited per client address", async () => {
  const t = initConvexTest();
  for (let i = 0; i < 30; i++) await ticketFor(t, "203.0.113.20", `who${i}@example.com`, "signIn");
  expect((await attempt(t, "203.0.113.20", "who-else@example.com", "signIn")).body.error?.reason).toBe("tooManyFromAddress");
});

test("wrong passwords are capped per (address, email): the guesser is stopped, the member elsewhere is not", async () => {
  const t = initConvexTest();
  await signUp(t, "192.0.2.1", "alice@example.com", "Alice");
  const attacker = "203.0.113.66";
  for (let i = 0; i < 20; i++) {
    await expectCode(signInFrom(t, attacker, "alice@example.com", `guess-${i}-password`), "INVALID_CREDENTIALS");
  }
  const stopped = await attempt(t, attacker, "alice@example.com", "signIn");
  expect(stopped.status).toBe(429);
  expect(stopped.body.error).toMatchObject({ code: "RATE_LIMITED", reason: "tooManyFailuresForEmail" });
  expect(stopped.body.error!.message).toMatch(/^Too many wrong passwords for this email from your network — try again in \d+ minutes?\.$/);
  // Alice, from her own network, signs in at once (Convex Auth's per-account lockout would refuse her here).
  expect((await signInFrom(t, "192.0.2.1", "alice@example.com", PASSWORD)).tokens?.token).toBeTruthy();
  // The attacker's address can still try other emails; its budget for Alice's stays spent.
  expect((await attempt(t, attacker, "bob@example.com", "signIn")).status).toBe(200);
}, 120_000);

test("wrong guesses from many addresses never lock the member out (Convex Auth's own lockout is off)", async () => {
  const t = initConvexTest();
  await signUp(t, "192.0.2.1", "mia@example.com", "Mia");
  for (let i = 0; i < 12; i++) {
    await expectCode(signInFrom(t, `203.0.113.${100 + (i % 3)}`, "mia@example.com", `guess-${i}-password`), "INVALID_CREDENTIALS");
  }
  expect((await signInFrom(t, "192.0.2.7", "mia@example.com", PASSWORD)).tokens?.token).toBeTruthy();
}, 120_000);

test("a right password resets that address's failures for the email", async () => {
  const t = initConvexTest();
  await signUp(t, "192.0.2.1", "kim@example.com", "Kim");
  for (let i = 0; i < 19; i++) await expectCode(signInFrom(t, "192.0.2.1", "kim@example.com", `typo-${i}-password`), "INVALID_CREDENTIALS");
  await signInFrom(t, "192.0.2.1", "kim@example.com", PASSWORD);
  // Ten minutes on, the address's attempt budget has refilled; without the reset only ~2 failures would have.
  const realNow = Date.now;
  Date.now = () => realNow() + 10 * 60_000;
  try {
    for (let i = 0; i < 19; i++) await expectCode(signInFrom(t, "192.0.2.1", "kim@example.com", `typo-${i}-again`), "INVALID_CREDENTIALS");
    expect((await signInFrom(t, "192.0.2.1", "kim@example.com", PASSWORD)).tokens?.token).toBeTruthy();
  } finally {
    Date.now = realNow;
  }
}, 120_000);

test("malformed attempt requests get a 400 or 413 and spend nothing", async () => {
  const t = initConvexTest();
  for (const body of [
    "",
    "null",
    "[]",
    "{",
    JSON.stringify({ email: "x@example.com" }),
    JSON.stringify({ email: "nope", flow: "signIn" }),
    JSON.stringify({ email: "x@example.com", flow: "reset" }),
  ]) {
    const res = await t.fetch("/auth/attempt", { method: "POST", body });
    expect(res.status, body).toBe(400);
  }
  const huge = await t.fetch("/auth/attempt", {
    method: "POST",
    body: JSON.stringify({ email: "x@example.com", flow: "signIn", pad: "x".repeat(10_000) }),
  });
  expect(huge.status).toBe(413);
});

test("signing up with an invited email joins no team: only the invite link does", async () => {
  const t = initConvexTest();
  const owner = await signedInUser(t, "Olga");
  const teamId = await owner.as.mutation(api.teams.create, { name: "Invited" });
  await owner.as.mutation(api.teams.invite, { teamId, email: "newcomer@example.com", role: "admin" });
  await signUp(t, "192.0.2.50", "newcomer@example.com", "Newcomer");
  expect(await t.run((ctx) => ctx.db.query("teamMembers").collect())).toHaveLength(1);
});
