// The shim's unit tests (www/shim/tests/), run by `cargo xtask test` as `npx vitest run` in tools/: in jsdom,
// with vitest's globals (describe, it, expect, vi), as the test files live outside tools/ and its node_modules.
import { defineConfig } from "vitest/config";

export default defineConfig({
  server: { fs: { allow: [".."] } },
  test: {
    dir: "../www/shim/tests",
    include: ["**/*.test.js"],
    environment: "jsdom",
    globals: true,
  },
});
