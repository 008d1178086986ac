/** The whole app for browser tests: embedded backend + Vite dev server + Debian's Chromium. */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { expect } from "vitest";
import { createServer, type ViteDevServer } from "vite";
import { APP_PROJECT, freePort, spawnBackend, type RunningBackend } from "../local-backend/testing";
import { CHROMIUM, launchChromium } from "./browser";

export { authToken, CHROMIUM, recordTestVideo, signUp, signUpWithTeam, uploadTestVideo } from "./browser";

export const ARTIFACTS = path.join(APP_PROJECT, "test-results");

export type App = {
  backend: RunningBackend;
  vite: ViteDevServer;
  appUrl: string;
  browser: Browser;
  /** A new tab in a browser context of its own: one more person using the app. */
  openTab(options?: TabOptions): Promise<{ context: BrowserContext; page: Page }>;
  close(): Promise<void>;
};

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

export type TabOptions = {
  /** The window's size; a desktop's unless told. */
  viewport?: { width: number; height: number };
  timezoneId?: string;
  /** The page may read and write the clipboard (a copied link is read back). */
  clipboard?: boolean;
  /** Every confirm() is answered OK (left alone, Playwright dismisses them). */
  acceptDialogs?: boolean;
};

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
  const browser = await launchChromium();
  return {
    backend,
    vite,
    appUrl,
    browser,
    async openTab({ viewport = DESKTOP, timezoneId, clipboard = false, acceptDialogs = false } = {}) {
      const context = await browser.newContext({ viewport, ...(timezoneId ? { timezoneId } : {}) });
      if (clipboard) await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: appUrl });
      const page = await context.newPage();
      if (acceptDialogs) page.on("dialog", (d) => void d.accept());
      return { context, page };
    },
    async close() {
      await browser.close();
      await vite.close();
      await backend.stop();
    },
  };
}

/** On a video page: its share dialog (the links, the create form), opened with the page's Share button unless already open. */
export async function openShareDialog(page: Page) {
  const dialog = page.getByRole("dialog", { name: /^Share “/ });
  if (!(await dialog.isVisible())) await page.getByRole("button", { name: "Share", exact: true }).click();
  await dialog.getByRole("heading", { name: "Share links" }).waitFor();
  return dialog;
}

/** Closes the share dialog (the page behind it is inert while it is open). */
export async function closeShareDialog(page: Page) {
  const dialog = page.getByRole("dialog", { name: /^Share “/ });
  await dialog.getByRole("button", { name: "Close" }).click();
  await dialog.waitFor({ state: "detached" });
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

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
type AxeViolation = { id: string; impact: string | null; nodes: Array<{ target: unknown }> };

/** axe-core in the page: no serious or critical violation, and no repeated landmark names. */
export async function expectAccessible(p: Page, state: string) {
  if (!(await p.evaluate(() => "axe" in window))) await p.addScriptTag({ content: AXE_SOURCE });
  const violations = await p.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"] },
      // Experimental in axe, so off unless asked for: a control's spoken name holds its visible words (WCAG 2.5.3).
      rules: { "label-content-name-mismatch": { enabled: true } },
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
