/**
 * Snapshot exports and imports as the CLI drives them (crates/local_backend/src/snapshot_export.rs,
 * snapshot_import.rs): an export is requested, then watched through `_system/cli/exports:getLatest`
 * and downloaded; an import is uploaded in parts, parsed into a plan the CLI shows for
 * confirmation, then performed. Their states have the shape of Convex's `_exports` and
 * `_snapshot_imports` documents; they live in memory (a restart forgets them, not the data).
 */
import { randomBytes } from "node:crypto";
import { createWriteStream, existsSync, promises as fs } from "node:fs";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Value } from "convex/values";
import type { BlobStore } from "./blobs";
import type { Engine } from "./engine";
import { newDocumentId } from "./ids";
import {
  applySnapshot,
  describeImport,
  exportSnapshot,
  readSnapshot,
  refuseOccupied,
  tablePlan,
  type ImportMode,
  type ImportPlan,
} from "./snapshot";
import { readTableImport, TABLE_IMPORT_FORMATS, type TableImportFormat } from "./tableImport";
import { countingLimit, HttpError } from "./httpInput";

/** Convex's default numbers of `_exports` and `_snapshot_imports` (512 + 4, 512 + 29). */
const EXPORTS_TABLE_NUMBER = 516;
const IMPORTS_TABLE_NUMBER = 541;
/** A part the CLI uploads is 5 MiB by default (`CONVEX_IMPORT_CHUNK_SIZE` may raise it). */
export const MAX_IMPORT_PART_BYTES = 256 * 1024 * 1024;
const MAX_PARTS = 10_000;
const MODES = ["requireEmpty", "append", "replace", "replaceAll"] as const satisfies readonly ImportMode[];

export type ImportArgs = { tableName?: string; componentPath?: string; mode?: string; format?: string };

type ImportJob = { doc: Record<string, Value>; plan: ImportPlan | null; mode: ImportMode; zipFile: string };

export class SnapshotJobs {
  private latest: Record<string, Value> | null = null;
  private exporting = false;
  private imports = new Map<string, ImportJob>();
  private uploads = new Set<string>();

  constructor(private readonly deps: { engine: Engine; blobs: BlobStore; dataDir: string }) {}

  private get exportsDir() {
    return path.join(this.deps.dataDir, "exports");
  }
  private get importsDir() {
    return path.join(this.deps.dataDir, "imports");
  }

  latestExport(): Value {
    return this.latest;
  }

  /** Runs an export to completion (a local export takes seconds); one at a time, as on Convex. */
  async requestExport(includeStorage: boolean): Promise<void> {
    if (this.exporting) throw new HttpError(400, "ExportInProgress", "A snapshot export is already requested or in progress.");
    this.exporting = true;
    const startTs = BigInt(Date.now()) * 1_000_000n;
    const doc: Record<string, Value> = {
      _id: newDocumentId(EXPORTS_TABLE_NUMBER),
      _creationTime: Date.now(),
      format: { format: "zip", include_storage: includeStorage },
      requestor: "snapshotExport",
      start_ts: startTs,
      state: "in_progress",
      progress_message: "Beginning backup",
    };
    this.latest = doc;
    try {
      await fs.mkdir(this.exportsDir, { recursive: true });
      // Only the latest export is kept.
      for (const old of await fs.readdir(this.exportsDir)) await fs.rm(path.join(this.exportsDir, old), { force: true });
      await exportSnapshot(this.deps.engine, this.deps.blobs, this.exportFile(startTs.toString())!, includeStorage);
      const now = BigInt(Date.now()) * 1_000_000n;
      this.latest = {
        ...doc,
        state: "completed",
        complete_ts: now,
        expiration_ts: now + 14n * 86_400n * 1_000_000_000n,
        zip_object_key: `snapshot_${startTs}.zip`,
      };
      delete this.latest.progress_message;
    } catch (error) {
      this.latest = { ...doc, state: "failed", failure_reason: (error as Error).message };
      throw error;
    } finally {
      this.exporting = false;
    }
  }

  /** The ZIP of an export by its start timestamp (digits only), or null. */
  exportFile(ts: string): string | null {
    if (!/^\d{1,25}$/.test(ts)) return null;
    return path.join(this.exportsDir, `snapshot_${ts}.zip`);
  }

  existingExport(ts: string): string | null {
    const file = this.exportFile(ts);
    return file && existsSync(file) ? file : null;
  }

  async startUpload(): Promise<string> {
    const token = randomBytes(16).toString("hex");
    await fs.mkdir(path.join(this.importsDir, token), { recursive: true });
    this.uploads.add(token);
    return token;
  }

  private checkUpload(token: string) {
    if (!this.uploads.has(token)) throw new HttpError(400, "InvalidUploadToken", "Unknown or finished import upload.");
  }

  async uploadPart(token: string, partNumber: number, body: Readable): Promise<string> {
    this.checkUpload(token);
    if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PARTS)
      throw new HttpError(400, "InvalidPartNumber", `partNumber must be 1 to ${MAX_PARTS}.`);
    const file = path.join(this.importsDir, token, String(partNumber));
    const limit = countingLimit(
      MAX_IMPORT_PART_BYTES,
      () => new HttpError(413, "TooLarge", `An import part may be at most ${MAX_IMPORT_PART_BYTES} bytes.`),
    );
    await pipeline(body, limit, createWriteStream(file));
    return `part-${partNumber}`;
  }

  /** Joins the parts and reads the snapshot into a plan awaiting confirmation; returns the import's id. */
  async finishUpload(token: string, partTokens: unknown, args: ImportArgs): Promise<string> {
    this.checkUpload(token);
    this.uploads.delete(token);
    const dir = path.join(this.importsDir, token);
    const zipFile = path.join(this.importsDir, `${token}.zip`);
    const parts = Array.isArray(partTokens) ? partTokens : [];
    const out = await fs.open(zipFile, "w", 0o600);
    try {
      for (const part of parts) {
        const n = /^part-(\d+)$/.exec(String(part))?.[1];
        if (!n) throw new HttpError(400, "InvalidPartToken", "Malformed part token.");
        await out.write(await fs.readFile(path.join(dir, n)));
      }
    } finally {
      await out.close();
      await fs.rm(dir, { recursive: true, force: true });
    }
    const id = newDocumentId(IMPORTS_TABLE_NUMBER);
    const mode = (MODES as readonly string[]).includes(String(args.mode)) ? (args.mode as ImportMode) : "requireEmpty";
    const doc: Record<string, Value> = {
      _id: id,
      _creationTime: Date.now(),
      format: { format: String(args.format ?? "zip") },
      mode,
      component_path: args.componentPath ?? "",
      requestor: { type: "snapshotImport" },
    };
    const job: ImportJob = { doc, plan: null, mode, zipFile };
    this.imports.set(id, job);
    try {
      job.plan = await readImport(zipFile, args);
      if (mode === "requireEmpty") refuseOccupied(this.deps.engine.store, job.plan);
      const { message, deletes } = describeImport(this.deps.engine.store, job.plan, mode);
      doc.state = { state: "waiting_for_confirmation", message_to_confirm: message, require_manual_confirmation: deletes };
    } catch (error) {
      await this.fail(job, error);
    }
    return id;
  }

  private async fail(job: ImportJob, error: unknown) {
    job.doc.state = { state: "failed", error_message: (error as Error)?.message ?? String(error) };
    job.plan?.reader?.close();
    job.plan = null;
    await fs.rm(job.zipFile, { force: true });
  }

  async performImport(importId: string): Promise<void> {
    const job = this.imports.get(importId);
    if (!job || !job.plan || (job.doc.state as { state?: string })?.state !== "waiting_for_confirmation") {
      throw new HttpError(400, "ImportNotWaiting", "This import is not waiting for confirmation.");
    }
    const plan = job.plan;
    job.doc.state = { state: "in_progress", progress_message: "Importing", checkpoint_messages: [] };
    try {
      const written = await applySnapshot(this.deps.engine, this.deps.blobs, plan, job.mode);
      job.doc.state = { state: "completed", num_rows_written: BigInt(written) };
      plan.reader?.close();
      job.plan = null;
      await fs.rm(job.zipFile, { force: true });
    } catch (error) {
      await this.fail(job, error);
    }
  }

  importState(importId: string): Value {
    return this.imports.get(importId)?.doc ?? null;
  }

  importList(): Value {
    return [...this.imports.values()]
      .map((j) => j.doc)
      .reverse()
      .slice(0, 20);
  }
}

/** The uploaded file as an import plan: a snapshot ZIP, or one table's JSON Lines, JSON array or CSV (`--table`). */
async function readImport(file: string, args: ImportArgs): Promise<ImportPlan> {
  const format = args.format ?? "zip";
  const componentPath = args.componentPath ?? "";
  if (format === "zip") {
    if (args.tableName !== undefined) throw new Error("A ZIP snapshot names its own tables: import it without --table.");
    return readSnapshot(file, componentPath);
  }
  if (!(TABLE_IMPORT_FORMATS as readonly string[]).includes(format)) throw new Error(`Unknown import format ${JSON.stringify(format)}.`);
  if (args.tableName === undefined) throw new Error(`A ${format} import goes into one table: pass --table.`);
  return tablePlan(componentPath, args.tableName, readTableImport(await fs.readFile(file), format as TableImportFormat));
}
