// ESLint: typescript-eslint's recommended rules for every TypeScript file, React's hook rules for
// the front end. Generated code, build output and dependencies are not linted.
import tseslint from "typescript-eslint";
import reactHooks from "eslint-plugin-react-hooks";

export default tseslint.config(
  { ignores: ["convex/_generated/**", "dist/**", "node_modules/**", "test-results/**", ".local-backend/**", "**/*.mjs", "**/*.cjs"] },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.{ts,tsx}"],
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
    },
  },
  {
    // Tests, fixtures and benchmarks drive the protocol with untyped messages on purpose.
    files: ["**/*.test.{ts,tsx}", "**/fixture/**", "**/searchFixture/**", "**/mountsFixture/**", "scripts/**", "wire/**", "e2e/**"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    files: ["src/**/*.{ts,tsx}"],
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
    },
  },
);
