/**
 * An action's `Convex.jsSyscall` inside a pool worker (executor.ts, nodeExecutor.ts): storing a
 * file sends its bytes to the main thread, which stores it as it stores any file; reading one
 * asks where the stored bytes lie and reads them here (a read-once FileBlob, as in the server).
 */
import { FileBlob } from "./fileBlob";
import type { JsSyscallArgs, StoredFile } from "./executionProtocol";

/** Sends a js syscall to the main thread (transferring `bytes`), answered with JSON. */
export type AskMain = (op: string, args: JsSyscallArgs, transfer: ArrayBuffer[]) => Promise<string>;

export function workerJsSyscall(ask: AskMain) {
  return (op: string, args: Record<string, unknown>): Promise<unknown> => {
    if (op === "storage/storeBlob") {
      return (async () => {
        const blob = args.blob as Blob;
        const bytes = await blob.arrayBuffer();
        return JSON.parse(await ask(op, { bytes, type: blob.type }, [bytes])) as string;
      })();
    }
    if (op === "storage/getBlob") {
      return (async () => {
        const file = JSON.parse(await ask(op, { storageId: args.storageId as string }, [])) as StoredFile;
        return file ? new FileBlob(file.path, 0, file.size, file.contentType) : null;
      })();
    }
    throw new Error(`The local backend does not support ${op}.`);
  };
}
