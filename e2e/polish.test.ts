/**
 * Issue 15 in a real browser: posters, honest states, local time, the share panel and the
 * All links page, the production build, accessibility. The member works in Los Angeles time.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Server } from "node:http";
import type { BrowserContext, Page, WebSocketRoute } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { APP_PROJECT } from "../local-backend/testing";
import { buildSpa } from "../scripts/buildSpa.mjs";
import { DOWNLOAD_SCOPE, DOWNLOAD_WORKER_URL } from "../src/lib/downloadProtocol";
import {
  PHONE,
  closeShareDialog,
  expectAccessible,
  openShareDialog,
  recordTestVideo,
  screenshotOnFailure,
  signUpWithTeam,
  startApp,
  type App,
} from "./harness";
// @ts-expect-error plain ESM script without types
import { createStaticServer } from "../scripts/staticServer.mjs";

const ZONE = "America/Los_Angeles";

let app: App;
let member: BrowserContext;
let page: Page;
let videoUrl = "";

beforeAll(async () => {
  app = await startApp();
  ({ context: member, page } = await app.openTab({ timezoneId: ZONE, clipboard: true, acceptDialogs: true }));
}, 120_000);
afterAll(async () => app?.close());

const links = (p: Page) => p.locator("ul[aria-label='Share links'] > li");
const clipboard = (p: Page) => p.evaluate(() => navigator.clipboard.readText());

const viewer = (opts: { timezoneId?: string } = {}) => app.openTab({ viewport: PHONE, ...opts });

/** Creates a link through the share dialog's form (open on the video page); returns the address copied at once. */
async function createLink(
  opts: { allowDownload?: boolean; maxDownloads?: number; maxViews?: number; slug?: string; generatePassword?: boolean } = {},
) {
  await page
    .getByText(/No share links yet|active|revoked|expired/)
    .first()
    .waitFor();
  const before = await links(page).count();
  const form = page.getByRole("form", { name: "Create a share link" });
  if (opts.allowDownload) await form.getByLabel("Allow downloads").check();
  if (opts.generatePassword) await form.getByRole("button", { name: "Generate password" }).click();
  if (opts.maxDownloads || opts.maxViews || opts.slug)
    await form.locator("details").evaluate((d) => ((d as HTMLDetailsElement).open = true));
  if (opts.maxDownloads) await form.getByLabel("Max downloads").fill(String(opts.maxDownloads));
  if (opts.maxViews) await form.getByLabel("Max views").fill(String(opts.maxViews));
  if (opts.slug) await form.getByLabel("Custom slug").fill(opts.slug);
  await form.getByRole("button", { name: "Create link" }).click();
  await page.getByText("Link created and copied!").waitFor();
  await expect.poll(() => links(page).count()).toBe(before + 1);
  return await clipboard(page);
}

test("sign up, upload: the library shows the poster read from the file; page titles, favicon, axe on sign-in and library", async () => {
  await screenshotOnFailure(page, "polish-upload", async () => {
    await page.goto(`${app.appUrl}/`);
    await page.getByRole("heading", { name: "Reelgate" }).waitFor();
    await expect.poll(() => page.title()).toBe("Sign in · Reelgate");
    expect(await page.locator('link[rel="icon"]').getAttribute("href")).toBe("/favicon.svg");
    expect((await fetch(`${app.appUrl}/favicon.svg`)).headers.get("content-type")).toContain("svg");
    await expectAccessible(page, "sign in");
    await signUpWithTeam(page, { name: "Lena Angeles", email: "lena@example.com", team: "West Coast" });
    await expect.poll(() => page.title()).toBe("Library · Reelgate");

    // A text file named .mp4 is refused before anything is uploaded.
    await page
      .getByLabel("Video file")
      .setInputFiles({ name: "notes.mp4", mimeType: "video/mp4", buffer: Buffer.from("this is not a video at all!!") });
    await page.getByRole("button", { name: "Upload" }).click();
    await page.getByRole("alert").getByText("notes.mp4 cannot be played").waitFor();
    expect(await page.locator(".video-card").count()).toBe(0);

    const buffer = await recordTestVideo(page);
    await page.getByLabel("Video file").setInputFiles({ name: "sunset.webm", mimeType: "video/webm", buffer });
    await page.getByLabel("Title", { exact: true }).fill("Sunset cut");
    await page.getByRole("button", { name: "Upload" }).click();
    await page.getByRole("link", { name: "Sunset cut" }).waitFor({ timeout: 20_000 });
    const poster = page.locator(".video-card .poster img");
    await poster.waitFor({ timeout: 15_000 });
    await expect.poll(() => poster.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 10_000 }).toBe(160);
    await expectAccessible(page, "library");
  });
}, 90_000);

test("a cancelled upload disappears from the library", async () => {
  await screenshotOnFailure(page, "polish-cancel", async () => {
    // Hold the video's upload request so there is time to cancel it.
    await page.route(/\/api\/storage\/upload/, () => new Promise(() => undefined));
    const buffer = await recordTestVideo(page, { ms: 600 });
    await page.getByLabel("Video file").setInputFiles({ name: "draft.webm", mimeType: "video/webm", buffer });
    await page.getByLabel("Title", { exact: true }).fill("Draft to cancel");
    await page.getByRole("button", { name: "Upload" }).click();
    await page.locator(".video-card", { hasText: "Draft to cancel" }).waitFor();
    await page.getByRole("button", { name: "Cancel", exact: true }).click();
    await page.getByRole("status").getByText("Upload cancelled.").waitFor();
    await expect.poll(() => page.locator(".video-card", { hasText: "Draft to cancel" }).count(), { timeout: 10_000 }).toBe(0);
    expect(await page.locator(".video-card", { hasText: "Failed:" }).count()).toBe(0);
    await page.unroute(/\/api\/storage\/upload/);
  });
}, 60_000);

test("unknown ids and routes read as 'not found' pages with headings, never a backend error", async () => {
  await screenshotOnFailure(page, "polish-not-found", async () => {
    await page.goto(`${app.appUrl}/videos/not-a-real-id`);
    await page.getByRole("heading", { level: 1, name: "Video not found" }).waitFor();
    expect(await page.content()).not.toMatch(/ArgumentValidationError|CONVEX Q/);
    await expect.poll(() => page.title()).toBe("Video not found · Reelgate");
    await expectAccessible(page, "video not found");
    await page.goto(`${app.appUrl}/no/such/page`);
    await page.getByRole("heading", { level: 1, name: "Page not found" }).waitFor();
    await expectAccessible(page, "page not found");
  });
}, 60_000);

test("video page: title and description edited in place, comment deleted, its share dialog (no inline panel), Quick share keeps focus, titles", async () => {
  await screenshotOnFailure(page, "polish-video", async () => {
    await page.goto(`${app.appUrl}/`);
    await page.getByRole("link", { name: "Sunset cut" }).click();
    await page.getByRole("heading", { name: "Sunset cut" }).waitFor();
    videoUrl = page.url();
    await expect.poll(() => page.title()).toBe("Sunset cut · Reelgate");
    expect(await page.locator("video.player").getAttribute("poster")).toBeTruthy();

    await page.getByRole("button", { name: "Edit", exact: true }).click();
    await page.getByLabel("Video title").fill("Sunset final");
    await page.getByLabel("Video description").fill("Graded, with the new score");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("heading", { name: "Sunset final" }).waitFor();
    await page.getByText("Graded, with the new score").waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe("Edit");
    // A description emptied is gone from the page.
    await page.getByRole("button", { name: "Edit", exact: true }).click();
    expect(await page.getByLabel("Video description").inputValue()).toBe("Graded, with the new score");
    await page.getByLabel("Video description").fill("");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByRole("heading", { name: "Sunset final" }).waitFor();
    expect(await page.getByText("Graded, with the new score").count()).toBe(0);
    await expect.poll(() => page.title()).toBe("Sunset final · Reelgate");

    await page.getByRole("textbox", { name: "Comment" }).fill("Too dark here");
    await page.getByRole("button", { name: "Comment", exact: true }).click();
    await page.getByText("Too dark here").waitFor();
    await page.getByRole("button", { name: /^Delete comment by Lena Angeles/ }).click();
    await expect.poll(() => page.getByText("Too dark here").count()).toBe(0);

    // Sharing happens in the video's share dialog, not in a panel on the page.
    await page.locator("video.player").waitFor();
    expect(await page.getByRole("form", { name: "Create a share link" }).count()).toBe(0);
    const share = page.getByRole("button", { name: "Share", exact: true });
    await share.focus();
    await page.keyboard.press("Enter");
    const dialog = page.getByRole("dialog", { name: "Share “Sunset final”" });
    await dialog.getByText("No share links yet.").waitFor();
    // A long checkbox label starts on the checkbox's line, beside it, even on a phone (it used to drop below as one piece).
    const desktop = page.viewportSize()!;
    await page.setViewportSize({ width: 390, height: 844 });
    const besideItsBox = await dialog.locator("label", { hasText: "Guests can comment" }).evaluate((label) => {
      const box = label.querySelector("input")!.getBoundingClientRect();
      const text = [...label.childNodes].find((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim())!;
      const range = document.createRange();
      range.selectNodeContents(text);
      const first = range.getClientRects()[0];
      return first.left >= box.right - 1 && Math.abs(first.top + first.height / 2 - (box.top + box.height / 2)) < 12;
    });
    await page.setViewportSize(desktop);
    expect(besideItsBox).toBe(true);
    expect(await dialog.getAttribute("aria-modal")).toBe("true");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe("Share");
    await openShareDialog(page);
    const quick = dialog.getByRole("button", { name: "Quick share (7 days)" });
    await quick.focus();
    await page.keyboard.press("Enter");
    await page.getByText("7-day link created and copied!").waitFor();
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe("Quick share (7 days)");
    // "1 view", not "1 views": open it once.
    const url = await clipboard(page);
    const v = await viewer();
    await v.page.goto(url);
    await v.page.getByRole("heading", { name: "Sunset final" }).waitFor();
    await v.context.close();
    await expect.poll(() => links(page).first().textContent(), { timeout: 10_000 }).toContain("1 view · 0 downloads");
    await expectAccessible(page, "video page with links");
  });
}, 90_000);

test("a 200-character title of one word wraps: nothing runs off the video page, the library or the share dialog", async () => {
  await screenshotOnFailure(page, "polish-long-title", async () => {
    const long = "Sunset".repeat(33) + "xx";
    const fits = () => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    await page.goto(videoUrl);
    await page.getByRole("button", { name: "Edit", exact: true }).click();
    await page.getByLabel("Video title").fill(long);
    await page.getByRole("button", { name: "Save", exact: true }).click();
    try {
      await page.getByRole("heading", { name: long }).waitFor();
      expect(await fits()).toBe(true);
      await page.goto(`${app.appUrl}/`);
      const shareButton = page.getByRole("button", { name: `Share ${long}` });
      await shareButton.waitFor();
      expect(await fits()).toBe(true);
      // On a 375 px phone too: the library's one column is the screen's width, every panel inside it.
      const wide = page.viewportSize()!;
      await page.setViewportSize({ width: 375, height: 740 });
      expect(await fits()).toBe(true);
      const panelsEnd = await page.evaluate(() =>
        Math.max(...[...document.querySelectorAll(".panel")].map((p) => p.getBoundingClientRect().right)),
      );
      expect(panelsEnd).toBeLessThanOrEqual(375);
      await page.setViewportSize(wide);
      const box = (await shareButton.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(await page.evaluate(() => window.innerWidth));
      await shareButton.click();
      await page.getByRole("dialog").getByRole("heading", { name: "Share links" }).waitFor();
      expect(await fits()).toBe(true);
      await page.keyboard.press("Escape");
    } finally {
      // The tests after this one start where the video page's left off: its title, its share dialog open.
      await page.goto(videoUrl);
      await page.getByRole("button", { name: "Edit", exact: true }).click();
      await page.getByLabel("Video title").fill("Sunset final");
      await page.getByRole("button", { name: "Save", exact: true }).click();
      await page.getByRole("heading", { name: "Sunset final" }).waitFor();
      await openShareDialog(page);
    }
  });
}, 60_000);

test("expiry is picked and shown in Los Angeles time, the zone named; the form starts over after create", async () => {
  await screenshotOnFailure(page, "polish-local-time", async () => {
    const form = page.getByRole("form", { name: "Create a share link" });
    await form.getByLabel("Expires").selectOption("date");
    const input = form.getByLabel(`Expiry date and time (${ZONE})`);
    // Tomorrow at 09:00 on the member's wall clock.
    const tomorrow = await page.evaluate(() => {
      const d = new Date(Date.now() + 86_400_000);
      return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
    });
    await input.fill(`${tomorrow}T09:00`);
    await form.getByText(/^Expires .* 9:00 AM P[DS]T$/).waitFor();
    const expected = await page.evaluate((day) => new Date(`${day}T09:00`).getTime(), tomorrow);
    const laNine = new Intl.DateTimeFormat("en", { timeZone: ZONE, hour: "numeric", minute: "2-digit" }).format(expected);
    expect(laNine).toBe("9:00 AM");
    await form.getByRole("button", { name: "Create link" }).click();
    await page.getByText("Link created and copied!").waitFor();
    const row = links(page).first();
    await expect.poll(() => row.getByTestId("expiry").textContent()).toMatch(/expires (tomorrow|in \d+ hours) \(.* 9:00 AM P[DS]T\)/);
    // The form is fresh: back to 7 days, no date input.
    expect(await form.getByLabel("Expires").inputValue()).toBe("7");
    expect(await form.locator('input[type="datetime-local"]').count()).toBe(0);
    expect(await form.locator('input[name="expiresInDaysAt"]').inputValue()).toBe("");
  });
}, 60_000);

test("slug links copy the slug address; a generated password is copied with the link", async () => {
  await screenshotOnFailure(page, "polish-copy", async () => {
    const slug = `sunset-${Date.now().toString(36)}`;
    const copied = await createLink({ slug });
    expect(copied).toBe(`${app.appUrl}/share/${slug}`);
    await links(page).first().getByRole("button", { name: "Copy link" }).click();
    await links(page).first().getByRole("button", { name: "Copied!" }).waitFor();
    expect(await clipboard(page)).toBe(`${app.appUrl}/share/${slug}`);

    const url = await createLink({ generatePassword: true });
    await page.getByRole("button", { name: "Copy link + password" }).click();
    await page.getByRole("button", { name: "Copied link and password!" }).waitFor();
    const both = await clipboard(page);
    const [, password] = /^.+\nPassword: ([a-z2-9]{4}(?:-[a-z2-9]{4}){3})$/.exec(both) ?? [];
    expect(both.startsWith(url)).toBe(true);
    expect(password).toBeTruthy();
    const v = await viewer();
    await v.page.goto(url);
    await v.page.getByRole("heading", { name: "Password required" }).waitFor();
    await expect.poll(() => v.page.title()).toBe("Shared video · Reelgate");
    expect(await v.page.title()).not.toContain("Sunset");
    await expectAccessible(v.page, "share page: password");
    await v.page.getByLabel("Password").fill(password!);
    await v.page.getByRole("button", { name: "Watch" }).click();
    await v.page.getByRole("heading", { name: "Sunset final" }).waitFor();
    await expect.poll(() => v.page.title()).toBe("Sunset final · Reelgate");
    await v.context.close();

    // Filters: the revoked slug link moves from "active" to "revoked".
    await links(page).nth(1).getByRole("button", { name: "Revoke" }).click();
    await expect.poll(() => links(page).nth(1).getAttribute("data-status")).toBe("revoked");
    await page
      .getByRole("group", { name: "Show links" })
      .getByRole("button", { name: /^revoked/ })
      .click();
    await expect.poll(() => links(page).count()).toBe(1);
    expect(await links(page).first().getAttribute("data-status")).toBe("revoked");
    await page.getByRole("group", { name: "Show links" }).getByRole("button", { name: /^all/ }).click();
  });
}, 90_000);

test("share page: poster, no download affordance when downloads are off, limits left, a refused download in words, reconnecting banner", async () => {
  const v = await viewer();
  await screenshotOnFailure(v.page, "polish-share", async () => {
    const noDownloads = await createLink({ maxViews: 3 });
    const html = await (await fetch(noDownloads)).text();
    expect(html).toContain("skeleton"); // painted before any script runs
    await v.page.goto(noDownloads);
    await v.page.getByRole("heading", { name: "Sunset final" }).waitFor();
    const video = v.page.locator("video");
    await expect.poll(() => video.getAttribute("poster"), { timeout: 10_000 }).toBeTruthy();
    expect(await video.getAttribute("controlslist")).toBe("nodownload");
    expect(await video.evaluate((el) => !el.dispatchEvent(new MouseEvent("contextmenu", { bubbles: true, cancelable: true })))).toBe(true);
    expect(await v.page.getByRole("link", { name: "Download" }).count()).toBe(0);
    await v.page.getByTestId("limits").getByText("2 views left").waitFor();
    await expectAccessible(v.page, "share page: player");
    // On a 375 px phone the card keeps a margin from both edges, and nothing runs off the screen.
    const wide = v.page.viewportSize()!;
    await v.page.setViewportSize({ width: 375, height: 740 });
    const card = (await v.page.locator(".share-shell").boundingBox())!;
    expect(card.x).toBeGreaterThanOrEqual(8);
    expect(card.x + card.width).toBeLessThanOrEqual(375 - 8);
    expect(await v.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    await v.page.setViewportSize(wide);

    // Downloads on, one copy: the page says how many are left.
    const oneCopy = await createLink({ allowDownload: true, maxDownloads: 1 });
    const sockets: WebSocketRoute[] = [];
    let blocked = false;
    await v.page.routeWebSocket(/\/sync$/, (ws) => {
      if (blocked) return void ws.close();
      sockets.push(ws);
      ws.connectToServer();
    });
    await v.page.goto(oneCopy);
    const download = v.page.getByRole("link", { name: "Download" });
    await download.waitFor();
    await v.page.getByTestId("limits").getByText("1 download left").waitFor();
    expect(await video.getAttribute("controlslist")).toBeNull();

    // The WebSocket drops: the page says so. Meanwhile someone else takes the only copy.
    blocked = true;
    for (const ws of sockets) await ws.close();
    await v.page.getByText("Connection lost — reconnecting…").waitFor({ timeout: 10_000 });
    const copy = await fetch((await download.getAttribute("href"))!);
    expect(copy.status).toBe(200);
    await copy.arrayBuffer();
    const before = v.page.url();
    await download.click();
    await v.page.getByRole("alert").getByText("This link has reached its download limit.").waitFor();
    expect(v.page.url()).toBe(before);
    expect(await v.page.content()).not.toContain('{"error"');

    // Back online: the banner goes and the button with it.
    blocked = false;
    await expect.poll(() => v.page.getByText("Connection lost — reconnecting…").count(), { timeout: 20_000 }).toBe(0);
    await expect.poll(() => download.count(), { timeout: 10_000 }).toBe(0);
    await v.page.getByText("This link has reached its download limit.").first().waitFor();
  });
  await v.context.close();
}, 90_000);

test("a download within the limit saves the file in the page", async () => {
  const v = await viewer();
  await screenshotOnFailure(v.page, "polish-download", async () => {
    const url = await createLink({ allowDownload: true, maxDownloads: 2 });
    await v.page.goto(url);
    await v.page.getByTestId("limits").getByText("2 downloads left").waitFor();
    const [file] = await Promise.all([v.page.waitForEvent("download"), v.page.getByRole("link", { name: "Download" }).click()]);
    expect(file.suggestedFilename()).toBe("sunset.webm");
    await v.page.getByTestId("limits").getByText("1 download left").waitFor({ timeout: 10_000 });
  });
  await v.context.close();
}, 60_000);

test("All links: every link of the team, filtered by status, revoked in bulk", async () => {
  await screenshotOnFailure(page, "polish-all-links", async () => {
    await closeShareDialog(page); // open since the video page's test
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "All links" }).click();
    await page.getByRole("heading", { name: "All links · West Coast" }).waitFor();
    await expect.poll(() => page.title()).toBe("All links · Reelgate");
    const rows = page.getByRole("list", { name: "Team share links" }).locator("li");
    await rows.first().waitFor();
    const active = await rows.count();
    expect(active).toBeGreaterThanOrEqual(4);
    await expectAccessible(page, "all links");
    // Its spoken name starts with the words it shows, so "click Copy link" works by voice.
    expect(
      await rows
        .first()
        .getByRole("button", { name: /^Copy link \(/ })
        .count(),
    ).toBe(1);
    await rows.nth(0).getByRole("checkbox").check();
    await rows.nth(1).getByRole("checkbox").check();
    const revoke = page.getByRole("button", { name: "Revoke selected (2)" });
    await revoke.click();
    await page.getByText("Revoked 2 links.").waitFor();
    await expect.poll(() => rows.count()).toBe(active - 2);
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toMatch(/^Revoke selected/);
    await page
      .getByRole("group", { name: "Show links" })
      .getByRole("button", { name: /^revoked/ })
      .click();
    await expect.poll(() => rows.count()).toBe(3);
    for (const status of await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-status")))) expect(status).toBe("revoked");
    // The filter shown is the pressed one, and looks it: not painted like the others.
    const filters = page.getByRole("group", { name: "Show links" });
    const look = (name: RegExp) =>
      filters.getByRole("button", { name }).evaluate((b) => [getComputedStyle(b).backgroundColor, getComputedStyle(b).color].join(" "));
    expect(await filters.getByRole("button", { name: /^revoked/ }).getAttribute("aria-pressed")).toBe("true");
    expect(await look(/^revoked/)).not.toBe(await look(/^all/));
  });
}, 60_000);

test("production build: the share route loads only its own chunks, hashed assets cache for a year", async () => {
  const outDir = await mkdtemp(path.join(os.tmpdir(), "reelgate-dist-"));
  let server: Server | undefined;
  try {
    process.env.VITE_CONVEX_URL = app.backend.cloudUrl;
    process.env.VITE_CONVEX_SITE_URL = app.backend.siteUrl;
    // Vitest sets NODE_ENV=test, which would make this a build of React's development code.
    const nodeEnv = process.env.NODE_ENV;
    process.env.NODE_ENV = "production";
    try {
      await buildSpa({ outDir, logLevel: "error" });
    } finally {
      process.env.NODE_ENV = nodeEnv;
    }
    server = createStaticServer(outDir) as Server;
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    await page.goto(videoUrl);
    await openShareDialog(page);
    const url = await createLink();
    const v = await viewer();
    const scripts: string[] = [];
    v.page.on("request", (r) => r.resourceType() === "script" && scripts.push(new URL(r.url()).pathname));
    const response = await v.page.goto(url.replace(app.appUrl, origin));
    expect(response?.headers()["cache-control"]).toBe("no-cache");
    expect(response?.headers()["referrer-policy"]).toBe("no-referrer");
    await v.page.getByRole("heading", { name: "Sunset final" }).waitFor({ timeout: 20_000 });
    // share.html's own build: its entry chunk, never the app's (index-*.js) nor a route of it.
    expect(scripts.some((s) => /\/assets\/share-[\w-]+\.js$/.test(s))).toBe(true);
    expect(scripts.filter((s) => /index-|Library-|VideoPage-|AllLinks-|SignIn-|appMain-/.test(s))).toEqual([]);
    // …with Convex's client minus its sign-in machinery (src/lib/anonymousAuth.ts), which the app keeps.
    const bundle = async (file: string) => await (await fetch(`${origin}${file}`)).text();
    const shareCode = (await Promise.all(scripts.filter((s) => s.startsWith("/assets/")).map(bundle))).join("\n");
    const appCode = await bundle((await (await fetch(`${origin}/`)).text()).match(/src="(\/assets\/index-[\w-]+\.js)"/)![1]);
    for (const marker of ["server confirmed auth token is valid", "Invalid token specified"]) {
      expect(appCode).toContain(marker);
      expect(shareCode).not.toContain(marker);
    }
    // A video link without password or comments loads none of the share route's on-demand chunks.
    expect(scripts.filter((s) => /CollectionPlayer-|PasswordForm-|Comments-|shareDownload-|rangedDownload-/.test(s))).toEqual([]);
    // `npm run size` on this build: within the share route's budget (exit 0), the figure printed.
    const size = spawnSync(process.execPath, [path.join(APP_PROJECT, "scripts/bundle-size.mjs"), "--dist", outDir], { encoding: "utf8" });
    expect(size.stderr).toBe("");
    expect(size.status).toBe(0);
    expect(size.stdout).toMatch(/^share route \(\/share\/<token>, to the video's first frame\): \d+\.\d kB gzip JS/);
    const asset = await fetch(`${origin}${scripts.find((s) => s.startsWith("/assets/"))}`, { headers: { "Accept-Encoding": "gzip" } });
    expect(asset.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(asset.headers.get("content-encoding")).toBe("gzip");
    expect((await fetch(`${origin}/assets/../../etc/passwd`)).headers.get("content-type")).toContain("text/html");
    await v.context.close();

    // The download service worker is built to the site's root (its scope, /__reelgate-download/,
    // lies under it), loaded by no route, and streams a download from the built share page.
    const worker = await fetch(`${origin}${DOWNLOAD_WORKER_URL}`);
    expect(worker.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(await worker.text()).toContain(DOWNLOAD_SCOPE);
    expect(scripts).not.toContain(DOWNLOAD_WORKER_URL);
    const d = await viewer();
    const fromWorker: string[] = [];
    d.context.on("request", (r) => void (r.serviceWorker() && r.url().endsWith("/download") && fromWorker.push(r.url())));
    await d.page.goto((await createLink({ allowDownload: true })).replace(app.appUrl, origin));
    const [saved] = await Promise.all([d.page.waitForEvent("download"), d.page.getByRole("link", { name: "Download" }).click()]);
    expect(saved.suggestedFilename()).toBe("sunset.webm");
    expect(await saved.failure()).toBeNull();
    expect(fromWorker.length).toBeGreaterThan(0);
    await d.context.close();
  } finally {
    server?.close();
    await rm(outDir, { recursive: true, force: true });
  }
}, 120_000);

test("statuses and relative times change on their own (runs last: moves the member's clock)", async () => {
  await screenshotOnFailure(page, "polish-ticking", async () => {
    const clockPage = await member.newPage();
    await clockPage.clock.install();
    await clockPage.goto(videoUrl);
    await openShareDialog(clockPage);
    const form = clockPage.getByRole("form", { name: "Create a share link" });
    await form.getByLabel("Expires").selectOption("1");
    await form.getByRole("button", { name: "Create link" }).click();
    await clockPage.getByText("Link created and copied!").waitFor();
    const row = links(clockPage).first();
    await expect.poll(() => row.getAttribute("data-status")).toBe("active");
    await clockPage.clock.fastForward(24 * 60 * 60 * 1000 + 60_000);
    await expect.poll(() => row.getAttribute("data-status"), { timeout: 10_000 }).toBe("expired");
    expect(await row.getByTestId("expiry").textContent()).toMatch(/^expired 1 minute ago/);
    await clockPage.goto(`${app.appUrl}/`);
    await clockPage.getByRole("link", { name: "Sunset final" }).waitFor();
    const added = clockPage.locator(".video-card", { hasText: "Sunset final" });
    const first = await added.textContent();
    await clockPage.clock.fastForward(2 * 24 * 60 * 60 * 1000);
    await expect.poll(() => added.textContent(), { timeout: 10_000 }).not.toBe(first);
    expect(await added.textContent()).toMatch(/added 3 days ago/);
    await clockPage.close();
  });
}, 60_000);
