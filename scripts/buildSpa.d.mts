import type { Plugin } from "vite";

export const ANONYMOUS_SUBSTITUTES: Record<string, string>;
export function anonymousConvexClient(): Plugin;
export function buildSpa(options?: { outDir?: string; logLevel?: "info" | "warn" | "error" | "silent" }): Promise<void>;
