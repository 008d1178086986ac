/** uploadInChunks: cancel is honoured from the first moment, before the upload has begun on the server. */
import { expect, test } from "vitest";
import { UploadCancelled, uploadInChunks, type ChunkApi } from "./chunkedUpload";

test("a cancel while the upload is still being declared stops it before any chunk is sent", async () => {
  let releaseBegin!: () => void;
  const calls: string[] = [];
  const apis = {
    begin: async () => {
      calls.push("begin");
      await new Promise<void>((resolve) => (releaseBegin = resolve));
      return { chunkSize: 4, chunkCount: 2, chunks: [] };
    },
    chunkUrl: async () => {
      calls.push("chunkUrl");
      return "http://upload.invalid/";
    },
    attach: async () => ({ ok: true }),
    finalize: async () => ({ ok: true }),
  } as unknown as ChunkApi;
  const control: { cancel?: () => void } = {};
  const file = new File(["01234567"], "cut.mp4", { type: "video/mp4" });
  const running = uploadInChunks(apis, "v1" as never, file, { onProgress: () => undefined, control });
  await new Promise((r) => setTimeout(r, 0));
  expect(control.cancel).toBeTypeOf("function");
  control.cancel!();
  releaseBegin();
  await expect(running).rejects.toBeInstanceOf(UploadCancelled);
  expect(calls).toEqual(["begin"]);
});

test("a cancel while a chunk's upload URL is on its way starts no upload request (nothing left to abort would hang it)", async () => {
  let releaseUrl!: () => void;
  const calls: string[] = [];
  const apis = {
    begin: async () => ({ chunkSize: 8, chunkCount: 1, chunks: [] }),
    chunkUrl: async () => {
      calls.push("chunkUrl");
      await new Promise<void>((resolve) => (releaseUrl = resolve));
      return "http://upload.invalid/";
    },
    attach: async () => {
      calls.push("attach");
      return { ok: true };
    },
    finalize: async () => ({ ok: true }),
  } as unknown as ChunkApi;
  const sent: string[] = [];
  const RealXhr = globalThis.XMLHttpRequest;
  // Records any request started; it never answers (as a held upload).
  globalThis.XMLHttpRequest = class {
    upload = {};
    open(_method: string, url: string) {
      sent.push(url);
    }
    setRequestHeader() {}
    send() {}
    abort() {}
  } as unknown as typeof XMLHttpRequest;
  try {
    const control: { cancel?: () => void } = {};
    const file = new File(["01234567"], "cut.mp4", { type: "video/mp4" });
    const running = uploadInChunks(apis, "v1" as never, file, { onProgress: () => undefined, control });
    await expect.poll(() => calls).toEqual(["chunkUrl"]);
    control.cancel!();
    releaseUrl();
    await expect(running).rejects.toBeInstanceOf(UploadCancelled);
    expect(sent).toEqual([]);
  } finally {
    globalThis.XMLHttpRequest = RealXhr;
  }
});
