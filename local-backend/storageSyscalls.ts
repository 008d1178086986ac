/**
 * File storage's syscalls (convex/server storage_impl.ts): upload URLs, a file's URL and
 * metadata, deleting it, and storing or reading a Blob from a function. A file is in storage
 * when its `_storage` row is in the execution's own component.
 */
import { Readable } from "node:stream";
import type { Doc } from "./database";
import type { Exec } from "./exec";
import type { StoredFile } from "./executionProtocol";
import { FileBlob } from "./fileBlob";
import { FunctionError } from "./functionError";
import { splitTableKey } from "./tableKeys";
import { jsonResult, type SyscallContext, type SyscallTable } from "./syscallContext";

export function storageSyscalls(ctx: SyscallContext) {
  const { store, host } = ctx;
  const fileUrl = (storageId: string) => `${host.opts.cloudUrl()}/api/storage/${storageId}`;

  function storageDoc(exec: Exec, storageId: string) {
    const found = ctx.ownDoc(exec, storageId);
    return found && splitTableKey(found.tableKey)[1] === "_storage" ? found : null;
  }

  /** Where a stored file's bytes lie. Stored files never change: the row's size is the file's size, no stat needed. */
  function storedFile(exec: Exec, storageId: string): StoredFile {
    const found = storageDoc(exec, storageId);
    if (!found) return null;
    return {
      path: host.opts.blobs.pathOf(storageId),
      size: Number(found.doc.size),
      contentType: (found.doc.contentType as string | undefined) ?? "",
    };
  }

  /** The file is on disk under its id before the `_storage` row commits: a crash leaves no row without bytes. */
  async function storeBlob(exec: Exec, blob: Blob) {
    const received = await host.opts.blobs.receive(Readable.fromWeb(blob.stream() as never));
    const tableKey = ctx.key(exec, "_storage");
    const id = store.newId(tableKey);
    await host.opts.blobs.adopt(received.temp, id);
    await host.write(exec, (inner) => {
      const doc = { _id: id, _creationTime: store.nextCreationTime(), sha256: received.sha256, size: received.size } as Doc;
      if (blob.type) doc.contentType = blob.type;
      store.write(tableKey, doc, null, inner.writes);
    });
    return id;
  }

  const async: SyscallTable<Promise<string>> = {
    "1.0/storageGenerateUploadUrl": async () => jsonResult(`${host.opts.cloudUrl()}/api/storage/upload?token=${host.opts.uploadToken()}`),
    "1.0/storageGetUrl": async (exec, args) => jsonResult(storageDoc(exec, args.storageId) ? fileUrl(args.storageId) : null),
    "1.0/storageGetMetadata": async (exec, args) => {
      const found = storageDoc(exec, args.storageId);
      if (!found) return jsonResult(null);
      const { sha256, size, contentType } = found.doc as Doc & { sha256: string; size: number; contentType?: string };
      // storage.getMetadata gives the digest in hex (udf-runtime storage.ts; the _storage row keeps base64).
      return jsonResult({
        storageId: args.storageId,
        sha256: Buffer.from(sha256, "base64").toString("hex"),
        size,
        contentType: contentType ?? null,
      });
    },
    "1.0/storageDelete": async (exec, args) => {
      const found = storageDoc(exec, args.storageId);
      if (!found) throw new FunctionError(`storage id ${args.storageId} not found`); // crates/file_storage/src/core.rs
      const del = (inner: Exec) => {
        ctx.remove(inner, found.tableKey, found.doc);
        inner.filesToDelete.push(args.storageId);
      };
      if (exec.inTransaction) del(exec);
      else await host.write(exec, del);
      return JSON.stringify(null);
    },
  };

  /** The storage calls of a function's `Blob`s (udf-runtime storage.ts `performJsSyscall`). */
  const js: SyscallTable<unknown> = {
    "storage/storeBlob": (exec, args) => storeBlob(exec, args.blob as Blob),
    "storage/getBlob": async (exec, args) => {
      const file = storedFile(exec, args.storageId);
      return file ? new FileBlob(file.path, 0, file.size, file.contentType) : null;
    },
  };

  return { async, js, storeBlob, storedFile };
}
