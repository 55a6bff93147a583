import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";
import { TEST_LANES } from "./packages/testkit/src/test-lanes.js";

// Tests import our packages from source, the way the root tsconfig type-checks them.
const packages = fileURLToPath(new URL("./packages/", import.meta.url));

/**
 * The fleet suite's scenarios take minutes each: they start first, so the
 * other lanes run everything else beside them instead of after them.
 */
class FleetFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const isFleet = (file: TestSpecification) => file.moduleId.includes("/tests/fleet/");
    return [...sorted.filter(isFleet), ...sorted.filter((file) => !isFleet(file))];
  }
}

export default defineConfig({
  resolve: {
    alias: [{ find: /^@tugboat\/([a-z-]+)$/, replacement: `${packages}$1/src/index.ts` }],
  },
  test: {
    // One file per lane at a time; each lane has its own shared daemons (test-lanes.ts).
    maxWorkers: TEST_LANES,
    sequence: { sequencer: FleetFirst },
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
