/** Driving the app in Debian's Chromium without Vitest: the browser tests (harness.ts) and `npm run bench:share` share these. */
import { chromium, type Browser, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Headless Chromium as the browser tests run it (autoplay allowed, no background traffic). */
export async function launchChromium(): Promise<Browser> {
  return await chromium.launch({
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
}

/**
 * What a recorded video's frames show: `hues`, one colour a frame (it compresses well: a small
 * file); `noise`, random pixels at a high bit rate (noise does not compress: a file of many chunks).
 */
export type Painter = "hues" | "noise";

/** Records a WebM of `ms` milliseconds in the page itself (canvas + MediaRecorder), each frame numbered. */
export async function recordTestVideo(
  page: Page,
  { ms = 1500, painter = "hues" }: { ms?: number; painter?: Painter } = {},
): Promise<Buffer> {
  const base64 = await page.evaluate(
    async ({ duration, painter }) => {
      const canvas = document.createElement("canvas");
      canvas.width = 160;
      canvas.height = 90;
      const ctx2d = canvas.getContext("2d")!;
      const noise = painter === "noise";
      const recorder = new MediaRecorder(canvas.captureStream(25), {
        mimeType: "video/webm",
        ...(noise ? { videoBitsPerSecond: 1_000_000 } : {}),
      });
      const chunks: Blob[] = [];
      recorder.ondataavailable = (e) => chunks.push(e.data);
      let frame = 0;
      const timer = setInterval(() => {
        if (noise) {
          const image = ctx2d.createImageData(160, 90);
          for (let i = 0; i < image.data.length; i++) image.data[i] = (i % 4 === 3 ? 255 : Math.random() * 255) | 0;
          ctx2d.putImageData(image, 0, 0);
        } else {
          ctx2d.fillStyle = `hsl(${(frame * 37) % 360} 70% 50%)`;
          ctx2d.fillRect(0, 0, 160, 90);
        }
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
    },
    { duration: ms, painter },
  );
  return Buffer.from(base64, "base64");
}

/** The signed-in member's Convex Auth token, as the page keeps it: for calling the app's functions as them. */
export async function authToken(page: Page): Promise<string> {
  return await page.evaluate(() => Object.entries(localStorage).find(([k]) => k.startsWith("__convexAuthJWT"))?.[1] ?? "");
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

/** Uploads a recorded WebM (`ms` long) from the library under `title`; waits until it is listed as ready. Returns the file. */
export async function uploadTestVideo(page: Page, title: string, ms = 1500): Promise<Buffer> {
  const buffer = await recordTestVideo(page, { ms });
  await page.getByLabel("Video file").setInputFiles({ name: `${title}.webm`, mimeType: "video/webm", buffer });
  await page.getByLabel("Title", { exact: true }).fill(title);
  await page.getByRole("button", { name: "Upload" }).click();
  await page.getByRole("link", { name: title }).waitFor({ timeout: 20_000 + ms });
  // The form starts over once the whole upload is done (the poster follows the video).
  await page.waitForFunction(
    () => document.querySelector<HTMLInputElement>('form[aria-label="Upload a video"] input[type="file"]')?.files?.length === 0,
  );
  return buffer;
}
