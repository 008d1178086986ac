/**
 * JWTs checked as Convex's `validate_id_token` checks them (convex-backend
 * crates/authentication/src/lib.rs), with its codes and messages, over HTTP (401 `{ code, message }`)
 * and the sync protocol (`AuthError`). The fixture's custom JWT provider has a JWKS of two keys
 * with kids (authFixture/convex/auth.config.ts).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { importJWK, SignJWT, type JWTPayload } from "jose";
import { ConvexClient } from "convex/browser";
import { makeFunctionReference } from "convex/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { AuthVerifier } from "./auth";
import { FIXTURE_PRIVATE_JWKS } from "./authFixtureKeys";
import { spawnBackend, type RunningBackend } from "./testing";
import { wsExchange } from "./wireTesting";

const AUTH_FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), "authFixture");
let backend: RunningBackend;
beforeAll(async () => {
  backend = await spawnBackend({ projectDir: AUTH_FIXTURE });
});
afterAll(async () => backend?.stop());

const now = () => Math.floor(Date.now() / 1000);

async function sign(claims: JWTPayload, header: { kid?: string } = { kid: "key-1" }, keyIndex = 0) {
  const key = await importJWK(FIXTURE_PRIVATE_JWKS[keyIndex], "RS256");
  return new SignJWT({ sub: "user-1", iss: "https://issuer.test", aud: "fixture-app", iat: now(), exp: now() + 600, ...claims })
    .setProtectedHeader({ alg: "RS256", ...header })
    .sign(key);
}

async function whoami(authorization?: string) {
  const res = await fetch(`${backend.cloudUrl}/api/query`, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...(authorization ? { Authorization: authorization } : {}) },
    body: JSON.stringify({ path: "whoami:get", format: "json", args: [{}] }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function syncAuthenticate(token: string) {
  const reply = await syncExchange(token);
  return reply.messages.find((m) => m.type === "AuthError");
}

async function syncExchange(token: string) {
  return wsExchange(backend.cloudUrl, [
    JSON.stringify({
      type: "Connect",
      sessionId: "00000000-0000-4000-8000-000000000001",
      connectionCount: 0,
      lastCloseReason: null,
      clientTs: 0,
    }),
    JSON.stringify({ type: "Authenticate", tokenType: "User", value: token, baseVersion: 0 }),
  ]);
}

describe("custom JWT provider", () => {
  test("a token signed with a JWKS key its kid names is accepted", async () => {
    expect(await whoami(`Bearer ${await sign({})}`)).toMatchObject({ status: 200, body: { value: "user-1" } });
    expect(await whoami(`bearer ${await sign({}, { kid: "key-2" }, 1)}`)).toMatchObject({ status: 200, body: { value: "user-1" } });
  });

  test("biscuit decode_with_jwks: a token without kid is refused even though a key would verify it (InvalidAuthHeader)", async () => {
    const token = await sign({}, {});
    const message = "Could not decode token. JWT may be missing a 'kid' (key ID) header.";
    expect(await whoami(`Bearer ${token}`)).toEqual({ status: 401, body: { code: "InvalidAuthHeader", message } });
    expect(await syncAuthenticate(token)).toMatchObject({ error: message, baseVersion: 0, authUpdateAttempted: true });
  });

  test("an unknown kid, or a kid whose key did not sign the token, is refused naming the kid", async () => {
    const unknown = await whoami(`Bearer ${await sign({}, { kid: "key-9" })}`);
    expect(unknown).toEqual({
      status: 401,
      body: {
        code: "InvalidAuthHeader",
        message: "Could not decode token. The JWT's 'kid' (key ID) header is 'key-9', does this key match any key in the provider's JWKS?",
      },
    });
    const wrongKey = await whoami(`Bearer ${await sign({}, { kid: "key-2" }, 0)}`);
    expect(wrongKey.body.message).toContain("header is 'key-2'");
  });

  test("temporal claims have Convex's 5 s leeway: iat 60 s in the future is refused, 3 s is accepted", async () => {
    const future = await sign({ iat: now() + 60 });
    const refused = await whoami(`Bearer ${future}`);
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe("InvalidAuthHeader");
    expect(refused.body.message).toMatch(/^Could not validate token: Token will be valid in (59|60) seconds$/);
    expect((await syncAuthenticate(future))?.error).toMatch(/^Could not validate token: Token will be valid in (59|60) seconds$/);
    expect(await whoami(`Bearer ${await sign({ iat: now() + 3 })}`)).toMatchObject({ status: 200, body: { value: "user-1" } });
    const expired = await whoami(`Bearer ${await sign({ exp: now() - 30 })}`);
    expect(expired.body.message).toMatch(/^Could not validate token: Token expired (30|31) seconds ago$/);
  });

  test("AuthInfo::matches_token: a wrong aud or iss finds no provider (NoAuthProvider, listing the configured ones)", async () => {
    const message =
      "No auth provider found matching the given token. Check that your JWT's issuer and audience match one of your configured providers: [CustomJWT(issuer=https://issuer.test, app_id=fixture-app)]";
    for (const claims of [{ aud: "other-app" }, { iss: "https://elsewhere.test" }]) {
      const token = await sign(claims);
      expect(await whoami(`Bearer ${token}`)).toEqual({ status: 401, body: { code: "NoAuthProvider", message } });
      expect(await syncAuthenticate(token)).toMatchObject({ error: message, authUpdateAttempted: true });
    }
    // An `iss` without its scheme matches as Convex adds `https://`.
    expect(await whoami(`Bearer ${await sign({ iss: "issuer.test" })}`)).toMatchObject({ status: 200 });
  });

  test("a token that is not a JWT, or has no iss, is InvalidAuthHeader", async () => {
    expect((await whoami("Bearer not-a-jwt")).body).toEqual({
      code: "InvalidAuthHeader",
      message: "Could not parse JWT payload. Check that the token is a valid JWT format with three base64-encoded parts separated by dots.",
    });
    expect((await whoami(`Bearer ${await sign({ iss: undefined })}`)).body.message).toMatch(/^Missing issuer claim \('iss'\)/);
  });
});

test("extract_bearer_token: an Authorization header that is not `Bearer <token>` is 400 InvalidAdminKey; a too-short one InvalidHeaderFailure", async () => {
  expect(await whoami("Basic dXNlcjpwYXNz")).toEqual({ status: 400, body: { code: "InvalidAdminKey", message: "Invalid admin key" } });
  expect(await whoami("Bear")).toEqual({ status: 400, body: { code: "InvalidHeaderFailure", message: "Invalid authentication header" } });
});

describe("OIDC provider (openidconnect-rs, as Convex Auth's tokens are checked)", () => {
  const SITE = "https://site.test";
  const verifierWith = (keys: object[]) =>
    new AuthVerifier(
      () => ({ providers: [{ domain: SITE, applicationID: "convex" }] }),
      () => ({ issuer: SITE, jwks: JSON.stringify({ keys }) }),
    );
  const publicOf = ({ d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub }: Record<string, unknown>) => ({ ...pub, use: "sig" });
  const [one, two] = FIXTURE_PRIVATE_JWKS.map((k) => publicOf(k as Record<string, unknown>));
  const oidcToken = (claims: JWTPayload, header: { kid?: string } = {}) => sign({ iss: SITE, aud: "convex", ...claims }, header);

  test("signing_key: a token without kid is accepted with one key, refused when the JWKS has several (Unauthenticated)", async () => {
    const token = await oidcToken({});
    expect(await verifierWith([one]).verify(token)).toMatchObject({ subject: "user-1", tokenIdentifier: `${SITE}|user-1` });
    await expect(verifierWith([one, two]).verify(token)).rejects.toMatchObject({
      code: "Unauthenticated",
      message: "Could not verify OIDC token claim. Check that the token signature is valid and the token hasn't expired.",
    });
    expect(await verifierWith([one, two]).verify(await oidcToken({}, { kid: "key-1" }))).toMatchObject({ subject: "user-1" });
  });

  test("an expired token or a second audience is refused; iat is not checked for OIDC (openidconnect's default)", async () => {
    const verifier = verifierWith([one]);
    await expect(verifier.verify(await oidcToken({ exp: now() - 1 }))).rejects.toMatchObject({ code: "Unauthenticated" });
    await expect(verifier.verify(await oidcToken({ aud: ["convex", "other"] }))).rejects.toMatchObject({ code: "Unauthenticated" });
    expect(await verifier.verify(await oidcToken({ iat: now() + 3600 }))).toMatchObject({ subject: "user-1" });
    await expect(verifier.verify(await oidcToken({ iat: undefined }))).rejects.toMatchObject({
      code: "InvalidAuthHeader",
      message: "Could not parse as OIDC ID token. Token might not be an OIDC-compliant JWT.",
    });
  });
});

describe("after an AuthError the server closes the WebSocket (crates/local_backend/src/subs/mod.rs run_sync_socket: AuthUpdateFailed, no close frame code)", () => {
  test("the AuthError is the last message; the socket closes without a code", async () => {
    const expired = await sign({ iat: now() - 1200, exp: now() - 600 });
    const reply = await syncExchange(expired);
    expect(reply.messages.at(-1)).toMatchObject({ type: "AuthError", authUpdateAttempted: true });
    expect(reply.closeCode).toBe(1005);
  });

  test("the real client drops the refused token, reconnects and carries on unauthenticated", async () => {
    const client = new ConvexClient(backend.cloudUrl);
    try {
      const changes: boolean[] = [];
      const expired = await sign({ iat: now() - 1200, exp: now() - 600 });
      client.setAuth(
        async () => expired,
        (authenticated) => changes.push(authenticated),
      );
      await expect.poll(() => changes).toEqual([false]);
      expect(await client.query("whoami:get" as never, {} as never)).toBeNull();
      expect(client.connectionState().connectionCount).toBeGreaterThanOrEqual(2);
      // A good token afterwards is used on the new connection.
      client.setAuth(
        async () => sign({}),
        (authenticated) => changes.push(authenticated),
      );
      await expect.poll(() => changes).toEqual([false, true]);
      expect(await client.query("whoami:get" as never, {} as never)).toBe("user-1");
    } finally {
      await client.close();
    }
  });
});

describe("HTTP actions with a refused bearer token (crates/local_backend/src/http_actions.rs TryExtractIdentity → Identity::Unknown(Some(e)); isolate action/task_executor.rs user_identity)", () => {
  const get = (query: string, authorization?: string) =>
    fetch(`${backend.siteUrl}/identity${query}`, authorization ? { headers: { Authorization: authorization } } : {});
  test("a valid token is the identity; none is anonymous", async () => {
    expect(await (await get("", `Bearer ${await sign({})}`)).text()).toBe("user-1");
    expect(await (await get("")).text()).toBe("anonymous");
  });
  test("an expired token: the action still runs, and getUserIdentity throws the refusal (a 500 in Convex's JSON)", async () => {
    const expired = `Bearer ${await sign({ iat: now() - 1200, exp: now() - 600 })}`;
    expect(await (await get("?ignore=1", expired)).text()).toBe("ran");
    const refused = await get("", expired);
    expect(refused.status).toBe(500);
    const body = (await refused.json()) as { code: string };
    expect(body.code).toMatch(/^\[Request ID: [a-f0-9]{16}\] Server Error: Uncaught Error: .*expired/i);
    // What it calls: an action is given the same unknown identity and throws it; a query's transaction reads it as no user
    // (database/src/transaction.rs user_identity).
    expect(await (await get("/nested?kind=action", expired)).text()).toMatch(/^threw: .*expired/is);
    expect(await (await get("/nested?kind=query", expired)).text()).toBe("anonymous");
    expect(await (await get("/nested?kind=action", `Bearer ${await sign({})}`)).text()).toBe("user-1");
    // Not a bearer token at all: Convex's header refusals, thrown by getUserIdentity (authentication.rs ExtractAuthenticationToken).
    for (const [header, message] of [
      ["a", "Invalid authentication header"],
      ["Basic dXNlcjpwYXNz", "Invalid admin key"],
    ]) {
      expect(await (await get("?ignore=1", header)).text()).toBe("ran");
      const refusedHeader = await get("", header);
      expect(refusedHeader.status).toBe(500);
      expect(((await refusedHeader.json()) as { code: string }).code).toContain(`Uncaught Error: ${message}`);
    }
    // The scheme is matched in any case, as extract_bearer_token does.
    expect(await (await get("", `bearer ${await sign({})}`)).text()).toBe("user-1");
    const garbage = await get("", "Bearer not-a-jwt");
    expect(garbage.status).toBe(500);
    expect(((await garbage.json()) as { code: string }).code).toMatch(/Server Error: Uncaught Error: /);
  });
});

test("one subject with different claims: each client's query sees its own identity (Convex keys query results by every attribute, keybroker IdentityCacheKey::User)", async () => {
  const clients = [new ConvexClient(backend.cloudUrl), new ConvexClient(backend.cloudUrl)];
  try {
    const names = ["Ada", "Presley 🙃"];
    clients.forEach((client, i) => client.setAuth(async () => await sign({ name: names[i] })));
    const seen = await Promise.all(
      clients.map(
        (client) =>
          new Promise<unknown>((resolve) => {
            const stop = client.onUpdate(
              makeFunctionReference<"query", Record<string, never>, string | null>("whoami:name"),
              {},
              (value) => {
                if (value !== null) {
                  stop();
                  resolve(value);
                }
              },
            );
          }),
      ),
    );
    expect(seen).toEqual(names);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
});
