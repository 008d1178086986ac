#!/usr/bin/env node
// Browser tests drive Debian's Chromium. Installs it when missing and running as root;
// otherwise says exactly what to run.
import { execSync } from "node:child_process";
import { existsSync } from "node:fs";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
if (existsSync(CHROMIUM)) process.exit(0);
if (process.getuid?.() === 0) {
  console.log("Chromium is missing: installing Debian's chromium package…");
  execSync("apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium", { stdio: "inherit" });
  if (existsSync(CHROMIUM)) process.exit(0);
}
console.error(
  `Chromium is needed for the browser tests. Install it with:\n  sudo apt-get update && sudo apt-get install -y chromium\n(or set CHROMIUM_PATH to a Chromium binary).`,
);
process.exit(1);
