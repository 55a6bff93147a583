import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// Tests import our packages from source, the way the root tsconfig type-checks them.
const packages = fileURLToPath(new URL("./packages/", import.meta.url));

export default defineConfig({
  resolve: {
    alias: [{ find: /^@tugboat\/([a-z-]+)$/, replacement: `${packages}$1/src/index.ts` }],
  },
  test: {
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["packages/*/src/**/*.test.ts"] },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["packages/*/test/**/*.test.ts", "tests/**/*.test.ts"],
          globalSetup: ["packages/testkit/src/global-setup.ts"],
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
