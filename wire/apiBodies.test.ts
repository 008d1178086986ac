/** Every malformed /api/v1 request is a 400 VALIDATION_ERROR (or a 404 for a malformed path) with a clear message, never a 500. */
import { afterAll, beforeAll, expect, test } from "vitest";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { MAX_API_BODY_BYTES } from "../convex/lib/apiHttp";
import { spawnBackend, type RunningBackend } from "../local-backend/testing";
import { APP_PROJECT, signUp, uploadReadyVideo } from "./appTesting";

let backend: RunningBackend;
let key: string;
let videoId: Id<"videos">;
let shareId: string;

beforeAll(async () => {
  backend = await spawnBackend({ projectDir: APP_PROJECT });
  const { http } = await signUp(backend, "bodies@example.com", "Bo");
  const teamId = await http.mutation(api.teams.create, { name: "Bodies" });
  ({ videoId } = await uploadReadyVideo(http, teamId));
  ({ key } = await http.mutation(api.apiKeys.create, { teamId, name: "bodies", scopes: ["shares:read", "shares:write"] }));
  shareId = (await http.mutation(api.shareLinks.create, { videoId })).linkId;
}, 60_000);
afterAll(async () => backend?.stop());

const send = (method: string, path: string, body: BodyInit) =>
  fetch(`${backend.siteUrl}/api/v1${path}`, {
    method,
    body,
    headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
  });

async function expect400(res: Response, message: RegExp) {
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect([res.status, body.error.code]).toEqual([400, "VALIDATION_ERROR"]);
  expect(body.error.message).toMatch(message);
}

const ROUTES = [
  ["POST", "/shares"],
  ["PATCH", "/shares/SHARE"],
  ["POST", "/grant"],
  ["POST", "/resolve"],
] as const;

test("bodies that are not a JSON object: null, arrays, strings, numbers, broken JSON, invalid UTF-8, huge", async () => {
  const cases: Array<[BodyInit, RegExp]> = [
    ["null", /JSON object/],
    ["[]", /JSON object/],
    ['[{"token":"x"}]', /JSON object/],
    ['"text"', /JSON object/],
    ["5", /JSON object/],
    ["{", /must be JSON/],
    ["", /must be JSON/],
    [new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), /UTF-8/],
    [JSON.stringify({ token: "x".repeat(MAX_API_BODY_BYTES) }), /at most 64 KiB/],
    ["[".repeat(100_000) + "]".repeat(100_000), /at most 64 KiB|JSON/],
    ["[".repeat(20_000) + "]".repeat(20_000), /JSON/],
  ];
  for (const [method, route] of ROUTES) {
    for (const [body, message] of cases) await expect400(await send(method, route.replace("SHARE", shareId), body), message);
  }
});

test("wrong types, missing and unknown fields name the field", async () => {
  await expect400(await send("POST", "/shares", JSON.stringify({})), /video_id is required/);
  await expect400(await send("POST", "/shares", JSON.stringify({ video_id: 5 })), /video_id must be a string \(got number\)/);
  await expect400(await send("POST", "/shares", JSON.stringify({ video_id: videoId, max_views: "3" })), /max_views must be a number/);
  await expect400(
    await send("POST", "/shares", JSON.stringify({ video_id: videoId, allow_download: "yes" })),
    /allow_download must be a boolean/,
  );
  await expect400(await send("POST", "/shares", JSON.stringify({ video_id: videoId, label: null })), /label/);
  await expect400(await send("POST", "/shares", JSON.stringify({ video_id: videoId, colour: "red" })), /Unknown field "colour"/);
  await expect400(await send("POST", "/shares", JSON.stringify({ video_id: videoId, expires_at: "next tuesday" })), /ISO 8601/);
  await expect400(await send("POST", "/shares", `{"video_id": "${videoId}", "max_views": 1e400}`), /whole number/);
  await expect400(await send("PATCH", `/shares/${shareId}`, JSON.stringify({ video_id: videoId })), /video_id cannot be changed/);
  await expect400(await send("PATCH", `/shares/${shareId}`, JSON.stringify({ allow_download: null })), /allow_download must be a boolean/);
  await expect400(await send("PATCH", `/shares/${shareId}`, '{"__proto__": {"label": "x"}, "label": "ok"}'), /Unknown field "__proto__"/);
  await expect400(await send("POST", "/grant", JSON.stringify({ password: "x" })), /token is required/);
  await expect400(await send("POST", "/grant", JSON.stringify({ token: 5 })), /token must be a string/);
  await expect400(await send("POST", "/grant", JSON.stringify({ token: "x".repeat(43), password: 5 })), /password must be a string/);
  await expect400(await send("POST", "/grant", JSON.stringify({ token: "x".repeat(43), extra: true })), /Unknown field "extra"/);
  await expect400(await send("POST", "/grant", JSON.stringify({ token: "x".repeat(43), viewerId: "short" })), /viewerId/);
  await expect400(await send("POST", "/resolve", JSON.stringify({ slug: ["a"] })), /slug must be a string/);
  // A valid body still works, and null clears on PATCH.
  expect((await send("PATCH", `/shares/${shareId}`, JSON.stringify({ label: "kept", max_views: null }))).status).toBe(200);
});

test("malformed paths are 404 NOT_FOUND, never 500", async () => {
  for (const path of ["/shares/%E0%A4%A", "/shares/a/b", "/shares/", "/public/%E0%A4%A", "/public/x/y/z", "/public/x/other", "/nothing"]) {
    const res = await fetch(`${backend.siteUrl}/api/v1${path}`, { headers: { Authorization: `Bearer ${key}` } });
    expect([path, res.status, ((await res.json()) as { error: { code: string } }).error.code]).toEqual([path, 404, "NOT_FOUND"]);
  }
  for (const path of ["/media/%E0%A4%A", "/s/%E0%A4%A", "/s/a/b/c"])
    expect([path, (await fetch(`${backend.siteUrl}${path}`)).status]).toEqual([path, 404]);
});
