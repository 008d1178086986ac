/** Helpers for driving this repository's app over the wire (tests and benchmarks). */
import { ConvexHttpClient } from "convex/browser";
import { api } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";

/** Signs up through Convex Auth's Password provider; returns an authenticated HTTP client. */
export async function signUp(cloudUrl: string, email: string, name = email) {
  const http = new ConvexHttpClient(cloudUrl);
  const result = (await http.action(api.auth.signIn, {
    provider: "password",
    params: { email, password: "correct-horse-battery", flow: "signUp", name },
  })) as { tokens: { token: string } };
  http.setAuth(result.tokens.token);
  return { http, token: result.tokens.token };
}

/** create → upload URL → POST the bytes → finalize; fails unless the video ends up ready. */
export async function uploadReadyVideo(
  http: ConvexHttpClient,
  teamId: Id<"teams">,
  opts: { body: BodyInit; title?: string; fileName?: string; contentType?: string } = { body: "0123456789" },
) {
  const videoId = await http.mutation(api.videos.create, { teamId, title: opts.title ?? "Cut", fileName: opts.fileName ?? "cut.mp4" });
  const uploadUrl = await http.mutation(api.videos.generateUploadUrl, { videoId });
  const res = await fetch(uploadUrl, {
    method: "POST",
    body: opts.body,
    headers: { "Content-Type": opts.contentType ?? "video/mp4" },
    ...(opts.body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
  const { storageId } = (await res.json()) as { storageId: Id<"_storage"> };
  const finalized = await http.mutation(api.videos.finalizeUpload, { videoId, storageId });
  if (!finalized.ok) throw new Error(`upload rejected: ${finalized.message}`);
  return { videoId, storageId };
}
