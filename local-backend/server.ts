/** Composes the local backend: store, engine, sync, HTTP, scheduler, reload on change. */
import { createServer, type Server } from "node:http";
import { watch, type FSWatcher } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { WebSocketServer } from "ws";
import { AuthVerifier } from "./auth";
import { BlobStore } from "./blobs";
import { DocumentStore } from "./database";
import { Engine, rawConsole, runtimeHost } from "./engine";
import { createApiHandler } from "./httpApi";
import { loadApp, type LoadedApp } from "./loader";
import { Scheduler } from "./scheduler";
import { loadOrCreateAdminKey, loadOrCreateSecrets } from "./secrets";
import { AdminAuth } from "./adminAuth";
import { DeploymentEnv } from "./deploymentEnv";
import { FunctionEnv, isolateNodeEnv } from "./functionEnv";
import { FunctionLogs } from "./functionLogs";
import { OCC_MAX_RETRIES } from "./occ";
import { SnapshotJobs } from "./snapshotJobs";
import type { SystemDeps } from "./systemFunctions";
import { migrateLegacyIds } from "./idMigration";
import { createSiteHandler } from "./siteHttp";
import { SyncHub } from "./sync";
import { WriteSet } from "./readSet";
import { MAX_WS_MESSAGE_BYTES } from "./syncLimits";
import { answerClientError, answerConnect, answerUpgrade } from "./serverGuards";
import { sweepStorageLeftovers, UploadTokens } from "./uploads";
import { PushService } from "./deployPush";
import { readProjectConfig } from "./projectConfig";

export type BackendOptions = {
  projectDir: string;
  dataDir?: string;
  port?: number;
  sitePort?: number;
  host?: string;
  /** Extra environment variables for functions (win over generated secrets; `npx convex env set` wins over both). */
  env?: Record<string, string>;
  watch?: boolean;
  log?: (line: string) => void;
  /** Tests only: expose POST /_test/clock to move `Date.now()` forward. */
  testClock?: boolean;
  /**
   * "folder" (default): serve the project's functions folder, reloaded on change. "push": serve
   * what `npx convex dev` / `deploy` pushed last (kept in the data folder), nothing before the first push.
   */
  appSource?: "folder" | "push";
};

export type Backend = {
  cloudUrl: string;
  siteUrl: string;
  /** `CONVEX_SELF_HOSTED_ADMIN_KEY` for the convex CLI (kept in the data folder). */
  adminKey: string;
  reload(): Promise<void>;
  close(): Promise<void>;
};

function listen(server: Server, port: number, host: string, what: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      reject(
        error.code === "EADDRINUSE"
          ? new Error(`Port ${port} (${what}) is already in use. Stop the other process or pick another port.`)
          : error,
      );
    });
    server.listen(port, host, () => resolve((server.address() as { port: number }).port));
  });
}

export async function startBackend(options: BackendOptions): Promise<Backend> {
  const projectDir = path.resolve(options.projectDir);
  const dataDir = path.resolve(options.dataDir ?? path.join(projectDir, ".local-backend"));
  const host = options.host ?? "127.0.0.1";
  const log = options.log ?? ((line: string) => rawConsole.log(line));
  await mkdir(dataDir, { recursive: true });

  // A data folder from before Convex-format ids gets them now, files included (idMigration.ts).
  const migrated = await migrateLegacyIds(path.join(dataDir, "db.sqlite3"), path.join(dataDir, "files"));
  if (migrated) log(`Migrated ${migrated.documents} document(s) and ${migrated.files} file(s) to Convex-format ids.`);
  const store = new DocumentStore(path.join(dataDir, "db.sqlite3"), { checkpointInWorker: true });
  const blobs = new BlobStore(path.join(dataDir, "files"));
  await blobs.init();
  const secrets = await loadOrCreateSecrets(dataDir);
  const adminKey = await loadOrCreateAdminKey(dataDir);
  const deploymentEnv = DeploymentEnv.inDataDir(dataDir);
  const functionEnv = new FunctionEnv(deploymentEnv);
  const functionLogs = new FunctionLogs();
  const uploads = new UploadTokens(store, () => secrets.LOCAL_BACKEND_SECRET);
  const swept = await sweepStorageLeftovers(blobs.dir, store);
  if (swept.length > 0) log(`Removed ${swept.length} file(s) left by an interrupted upload or write.`);

  let cloudUrl = "";
  let siteUrl = "";
  let loaded: LoadedApp | null = null;
  const engine: Engine = new Engine({
    store,
    blobs,
    cloudUrl: () => cloudUrl,
    uploadToken: () => uploads.issue(),
    onCommit: (writes) => {
      const ts = hub.nextTs();
      hub.committed(writes, ts);
      return ts;
    },
    onLog: (exec, level, text) => {
      functionLogs.record(exec, level, text);
      log(`[${exec.componentPath ? `${exec.componentPath}/` : ""}${exec.udfPath}] [${level}] ${text}`);
    },
    onScheduled: () => scheduler.wake(),
    onConflict: (exec, table, retry) =>
      log(
        `[${exec.componentPath ? `${exec.componentPath}/` : ""}${exec.udfPath}] write conflict on ${table ? `the "${table}" table` : "some table"}: running again (retry ${retry} of ${OCC_MAX_RETRIES})`,
      ),
  });
  const auth = new AuthVerifier(
    () => loaded?.authConfig ?? { providers: [] },
    () => ({ issuer: siteUrl, jwks: functionEnv.get("JWKS") ?? secrets.JWKS }),
  );
  isolateNodeEnv(functionEnv, () => engine.als.getStore() !== undefined);
  const hub = new SyncHub(engine, auth);
  const scheduler = new Scheduler(engine, log);

  const jobs = new SnapshotJobs({ engine, blobs, dataDir });
  const system: SystemDeps = { engine, env: deploymentEnv, jobs, cloudUrl: () => cloudUrl, http: () => loaded?.http ?? null };
  const adminAuth = new AdminAuth(adminKey);
  hub.admin = { auth: adminAuth, system };
  /** Makes `next` the serving app; `commit` (a push's) puts its schema in place under the engine's lock. */
  /** What functions see of the deployment's variables (a "use node" action's worker gets them all). */
  const functionRuntime = () =>
    runtimeHost(
      (name) => functionEnv.get(name),
      () => functionEnv.names(),
      () => functionEnv.version,
    );
  const install = async (next: LoadedApp, commit: () => void = () => {}) => {
    await engine.serial(async () => {
      commit();
      engine.app = next.app;
      loaded = next;
    });
    await engine.workersReady();
    scheduler.setCrons(next.crons);
    hub.committed(WriteSet.everything(), hub.nextTs());
    scheduler.wake();
  };
  const push = new PushService({
    store,
    engine,
    env: deploymentEnv,
    dataDir,
    nodeModulesDir: path.join(projectDir, "node_modules"),
    runtime: functionRuntime(),
    install,
  });
  const api = createApiHandler({
    engine,
    auth,
    blobs,
    uploads,
    admin: { admin: adminAuth, env: deploymentEnv, logs: functionLogs, jobs, system },
    push: { admin: adminAuth, push, urls: () => ({ cloud: cloudUrl, site: siteUrl }) },
  });
  const cloud = createServer(options.testClock ? withTestClock(api, () => hub.committed(WriteSet.everything(), hub.nextTs())) : api);
  const site = createServer(
    createSiteHandler(
      engine,
      auth,
      () => loaded?.app ?? null,
      () => siteUrl,
    ),
  );
  // Frames up to Convex's 16 MiB argument cap plus the message around it (syncLimits.ts).
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_MESSAGE_BYTES });
  cloud.on("upgrade", (req, socket, head) =>
    answerUpgrade(req, socket, (pathname) => {
      if (!/^\/api\/[^/]+\/sync$/.test(pathname)) return false;
      wss.handleUpgrade(req, socket, head, (ws) => {
        ws.on("error", () => ws.terminate());
        hub.attach(ws, req.socket.remoteAddress ?? "");
      });
      return true;
    }),
  );
  cloud.on("clientError", (error: NodeJS.ErrnoException, socket) => answerClientError(error, socket, "json"));
  cloud.on("connect", (_req, socket) => answerConnect(socket, "json"));
  site.on("connect", (_req, socket) => answerConnect(socket, "text"));
  site.on("clientError", (error: NodeJS.ErrnoException, socket) => answerClientError(error, socket, "text"));
  cloud.keepAliveTimeout = 65_000;
  site.keepAliveTimeout = 65_000;

  try {
    const cloudPort = await listen(cloud, options.port ?? 3210, host, "backend");
    const sitePort = await listen(site, options.sitePort ?? 3211, host, "HTTP actions");
    cloudUrl = `http://${host}:${cloudPort}`;
    siteUrl = `http://${host}:${sitePort}`;
  } catch (error) {
    cloud.close();
    site.close();
    store.close();
    throw error;
  }

  // Functions see deployment variables only (functionEnv.ts), never this process's environment
  // nor the project's `.env.local` (the CLI's file: it holds the admin key and client URLs, which
  // Convex never hands to functions). SITE_URL is the one server setting that becomes a default
  // deployment variable (scripts pass it); anything else is set with `npx convex env set`.
  const functionSecrets = { ...secrets };
  delete functionSecrets.LOCAL_BACKEND_SECRET;
  functionEnv.setSystem({ CONVEX_CLOUD_URL: cloudUrl, CONVEX_SITE_URL: siteUrl });
  functionEnv.setDefaults({
    SITE_URL: process.env.SITE_URL ?? "http://localhost:5173",
    ...functionSecrets,
    ...options.env,
  });
  deploymentEnv.onChange(() => {
    // Queries may read them: every subscription re-runs, as on Convex.
    hub.committed(WriteSet.everything(), hub.nextTs());
  });

  // convex.json: the functions folder and the packages "use node" modules keep external (projectConfig.ts).
  const projectConfig = readProjectConfig(projectDir);
  const convexDir = projectConfig.functionsDir;
  const cacheDir = path.join(projectDir, "node_modules", ".cache", "local-backend");
  await mkdir(cacheDir, { recursive: true });
  const reload = async () => {
    await install(await loadApp(store, convexDir, cacheDir, functionRuntime(), projectConfig.externalPackages));
  };
  const fromPush = options.appSource === "push";
  if (!fromPush) await reload();
  else if (await push.restore()) log("Serving the functions pushed last.");
  else log("No functions pushed yet: run `npx convex dev` or `npx convex deploy` with the self-hosted variables.");
  scheduler.start();

  let watcher: FSWatcher | null = null;
  if (options.watch && !fromPush) {
    const folder = path.relative(projectDir, convexDir).split(path.sep).join("/");
    let pending: NodeJS.Timeout | null = null;
    watcher = watch(convexDir, { recursive: true }, (_event, file) => {
      if (!file || file.startsWith("_generated") || /\.test\.ts$/.test(file)) return;
      if (pending) clearTimeout(pending);
      pending = setTimeout(() => {
        reload().then(
          () => log(`✔ Reloaded functions after a change to ${folder}/${file}`),
          (error) => log(`✖ Could not reload ${folder}/${file}: ${(error as Error).message}`),
        );
      }, 150);
    });
  }

  return {
    cloudUrl,
    siteUrl,
    adminKey,
    reload: fromPush ? async () => void (await push.restore()) : reload,
    async close() {
      watcher?.close();
      scheduler.stop();
      for (const client of wss.clients) client.terminate();
      const closing = [new Promise((r) => cloud.close(r)), new Promise((r) => site.close(r))];
      cloud.closeAllConnections();
      site.closeAllConnections();
      await Promise.all(closing);
      await engine.serial(async () => {
        await engine.close();
        store.close();
      });
    },
  };
}

/** Moves the process clock forward by a total offset; queries re-run since time-dependent answers may change. */
function withTestClock(handler: ReturnType<typeof createApiHandler>, rerun: () => void): ReturnType<typeof createApiHandler> {
  const realNow = Date.now.bind(Date);
  let offset = 0;
  Date.now = () => realNow() + offset;
  return async (req, res) => {
    if (req.url !== "/_test/clock" || req.method !== "POST") return handler(req, res);
    let body = "";
    for await (const chunk of req) body += chunk;
    offset += Number((JSON.parse(body || "{}") as { advanceMs?: number }).advanceMs ?? 0);
    rerun();
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ now: Date.now() }));
  };
}
