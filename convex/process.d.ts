/**
 * Convex's default runtime gives functions `process.env` and nothing else of Node's `process`
 * (get-convex/convex-backend npm-packages/udf-runtime/src/setup.ts `setupMisc`), so this folder
 * is type-checked without Node's types: a Node-only name here fails `npm run typecheck`.
 */
declare const process: { readonly env: Readonly<Record<string, string | undefined>> };
