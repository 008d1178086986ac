/** The whole app for browser tests: embedded backend + Vite dev server + Debian's Chromium. */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { expect } from "vitest";
import { createServer, type ViteDevServer } from "vite";
import { APP_PROJECT, freePort, spawnBackend, type RunningBackend } from "../local-backend/testing";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const ARTIFACTS = path.join(APP_PROJECT, "test-results");

export type App = { backend: RunningBackend; vite: ViteDevServer; appUrl: string; browser: Browser; close(): Promise<void> };

export async function startApp(): Promise<App> {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}. Install it with: apt-get install -y chromium`);
  const webPort = await freePort();
  const appUrl = `http://127.0.0.1:${webPort}`;
  const backend = await spawnBackend({ projectDir: APP_PROJECT, env: { SITE_URL: appUrl }, testClock: true });
  process.env.VITE_CONVEX_URL = backend.cloudUrl;
  process.env.VITE_CONVEX_SITE_URL = backend.siteUrl;
  const vite = await createServer({
    root: APP_PROJECT,
    configFile: path.join(APP_PROJECT, "vite.config.ts"),
    server: { port: webPort, strictPort: true, host: "127.0.0.1", hmr: false },
    logLevel: "error",
  });
  await vite.listen();
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--autoplay-policy=no-user-gesture-required",
    ],
  });
  return {
    backend,
    vite,
    appUrl,
    browser,
    async close() {
      await browser.close();
      await vite.close();
      await backend.stop();
    },
  };
}

export async function screenshotOnFailure(page: Page, name: string, run: () => Promise<void>) {
  try {
    await run();
  } catch (error) {
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true }).catch(() => undefined);
    throw Object.assign(error as Error, { message: `${(error as Error).message}\n(screenshot: ${file})` });
  }
}

/** Records a short WebM in the page itself (canvas + MediaRecorder) and returns it as base64. */
export async function recordTestVideo(page: Page, ms = 1500): Promise<string> {
  return await page.evaluate(async (duration) => {
    const canvas = document.createElement("canvas");
    canvas.width = 160;
    canvas.height = 90;
    const ctx2d = canvas.getContext("2d")!;
    const stream = canvas.captureStream(25);
    const recorder = new MediaRecorder(stream, { mimeType: "video/webm" });
    const chunks: Blob[] = [];
    recorder.ondataavailable = (e) => chunks.push(e.data);
    let frame = 0;
    const timer = setInterval(() => {
      ctx2d.fillStyle = `hsl(${(frame * 37) % 360} 70% 50%)`;
      ctx2d.fillRect(0, 0, 160, 90);
      ctx2d.fillStyle = "white";
      ctx2d.fillText(`frame ${frame++}`, 10, 50);
    }, 40);
    recorder.start(100);
    await new Promise((r) => setTimeout(r, duration));
    recorder.stop();
    await new Promise((r) => (recorder.onstop = r));
    clearInterval(timer);
    const buffer = new Uint8Array(await new Blob(chunks, { type: "video/webm" }).arrayBuffer());
    let binary = "";
    for (const b of buffer) binary += String.fromCharCode(b);
    return btoa(binary);
  }, ms);
}

/** Creates an account from the sign-in form (the page shows it). */
export async function signUp(page: Page, who: { name: string; email: string }) {
  await page.getByRole("button", { name: "New here? Create an account" }).click();
  await page.getByLabel("Your name").fill(who.name);
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill("correct-horse-1");
  await page.getByRole("button", { name: "Create account" }).click();
}

/** Signs a new member up and creates their team; ends on the team's library. */
export async function signUpWithTeam(page: Page, who: { name: string; email: string; team: string }) {
  await signUp(page, who);
  await page.getByRole("button", { name: "New team" }).click();
  await page.getByLabel("Team name").fill(who.team);
  await page.getByRole("button", { name: "Create", exact: true }).click();
  await page.getByRole("heading", { name: who.team }).waitFor();
}

/** Uploads a recorded WebM (`ms` long) from the library under `title`; waits until it is listed as ready. */
export async function uploadTestVideo(page: Page, title: string, ms = 1500) {
  const base64 = await recordTestVideo(page, ms);
  await page
    .getByLabel("Video file")
    .setInputFiles({ name: `${title}.webm`, mimeType: "video/webm", buffer: Buffer.from(base64, "base64") });
  await page.getByLabel("Title", { exact: true }).fill(title);
  await page.getByRole("button", { name: "Upload" }).click();
  await page.getByRole("link", { name: title }).waitFor({ timeout: 20_000 + ms });
  // The form starts over once the whole upload is done (the poster follows the video).
  await page.waitForFunction(
    () => document.querySelector<HTMLInputElement>('form[aria-label="Upload a video"] input[type="file"]')?.files?.length === 0,
  );
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
type AxeViolation = { id: string; impact: string | null; nodes: Array<{ target: unknown }> };

/** axe-core in the page: no serious or critical violation, and no repeated landmark names. */
export async function expectAccessible(p: Page, state: string) {
  if (!(await p.evaluate(() => "axe" in window))) await p.addScriptTag({ content: AXE_SOURCE });
  const violations = await p.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      targets: v.nodes.map((n) => JSON.stringify(n.target)).slice(0, 3),
    }));
  });
  const bad = violations.filter((v) => v.impact === "serious" || v.impact === "critical" || v.id === "landmark-unique");
  expect({ state, bad }).toEqual({ state, bad: [] });
}
