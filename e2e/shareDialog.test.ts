/**
 * The share dialog (issue 15 point 4): one modal dialog per video, opened from the library —
 * accessible (role dialog, aria-modal, focus kept inside and returned, Escape closes), a link
 * created with the defaults and copied at once, the slug address copied for slug links, edited
 * in place, the list filtered by status; axe finds nothing serious on the open dialog.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { expectAccessible, screenshotOnFailure, signUpWithTeam, startApp, uploadTestVideo, type App } from "./harness";

let app: App;
let page: Page;

beforeAll(async () => {
  app = await startApp();
  ({ page } = await app.openTab({ clipboard: true, acceptDialogs: true }));
  await page.goto(`${app.appUrl}/`);
  await signUpWithTeam(page, { name: "Dana Editor", email: "dana@example.com", team: "Cutting Room" });
  await uploadTestVideo(page, "Trailer v2");
}, 120_000);
afterAll(async () => app?.close());

const clipboard = () => page.evaluate(() => navigator.clipboard.readText());
const focusedName = () => page.evaluate(() => document.activeElement?.getAttribute("aria-label") ?? document.activeElement?.textContent);

test("the share dialog is a modal dialog: focus inside, Escape closes, focus back on its button", async () => {
  await screenshotOnFailure(page, "share-dialog-modal", async () => {
    const open = page.getByRole("button", { name: "Share Trailer v2" });
    await open.focus();
    await open.press("Enter");
    const dialog = page.getByRole("dialog", { name: "Share “Trailer v2”" });
    await dialog.waitFor();
    expect(await dialog.getAttribute("aria-modal")).toBe("true");
    await dialog.getByText("No share links yet.").waitFor();
    await expectAccessible(page, "share dialog open");
    // Tab never leaves the dialog, forwards or backwards.
    for (let i = 0; i < 30; i++) {
      await page.keyboard.press(i % 3 === 0 ? "Shift+Tab" : "Tab");
      expect(await page.evaluate(() => !!document.activeElement?.closest("dialog"))).toBe(true);
    }
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect(await focusedName()).toBe("Share Trailer v2");
    // The Close button closes it too, focus back the same way.
    await open.click();
    await dialog.getByRole("button", { name: "Close" }).click();
    await dialog.waitFor({ state: "detached" });
    expect(await focusedName()).toBe("Share Trailer v2");
  });
}, 60_000);

test("in the dialog: create with defaults (copied at once), slug links copy the slug address, edit in place, filter by status", async () => {
  await screenshotOnFailure(page, "share-dialog-links", async () => {
    await page.getByRole("button", { name: "Share Trailer v2" }).click();
    const dialog = page.getByRole("dialog", { name: "Share “Trailer v2”" });
    const rows = dialog.locator("ul[aria-label='Share links'] > li");
    const form = dialog.getByRole("form", { name: "Create a share link" });
    // Defaults: 7 days, no downloads, no comments, no password.
    expect(await form.getByLabel("Allow downloads").isChecked()).toBe(false);
    expect(await form.getByLabel(/Guests can comment/).isChecked()).toBe(false);
    await form.getByRole("button", { name: "Create link" }).click();
    await dialog.getByText("Link created and copied!").waitFor();
    const first = await clipboard();
    expect(first).toMatch(/\/share\/[A-Za-z0-9_-]{43}$/);
    expect(await rows.first().getByTestId("expiry").textContent()).toMatch(/^expires in 7 days/);

    await form.getByText("More options").click();
    await form.getByLabel("Custom slug").fill("trailer-two");
    await form.getByRole("button", { name: "Create link" }).click();
    await expect.poll(() => rows.count()).toBe(2);
    expect(await clipboard()).toMatch(/\/share\/trailer-two$/);
    await rows.first().getByRole("button", { name: "Copy link" }).click();
    await rows.first().getByRole("button", { name: "Copied!" }).waitFor();
    expect(await clipboard()).toMatch(/\/share\/trailer-two$/);

    // Edit in place: downloads on, saved without leaving the dialog.
    await rows.first().getByRole("button", { name: "Edit" }).click();
    await rows.first().getByLabel("Allow downloads").check();
    await rows.first().getByRole("button", { name: "Save" }).click();
    await rows.first().locator(".badge", { hasText: "downloads" }).waitFor();

    await rows.nth(1).getByRole("button", { name: "Revoke" }).click();
    await expect.poll(() => rows.nth(1).getAttribute("data-status")).toBe("revoked");
    const filters = dialog.getByRole("group", { name: "Show links" });
    await filters.getByRole("button", { name: /^revoked/ }).click();
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().getAttribute("data-status")).toBe("revoked");
    await filters.getByRole("button", { name: /^active/ }).click();
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().getAttribute("data-status")).toBe("active");
    await expectAccessible(page, "share dialog with links");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
  });
}, 60_000);
