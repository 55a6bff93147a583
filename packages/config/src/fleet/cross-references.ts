// Checks between stacks: `after` names existing stacks without cycles, and no
// two stacks share a Compose project name on one server.
import type { Diagnostics } from "../diagnostics.js";
import type { ReadResource } from "../resources/read-resources.js";
import type { StackResource } from "../resources/stack.js";
import type { FleetStack } from "./model.js";
import { didYouMean } from "./suggest.js";

export function checkCrossReferences(
  stacks: readonly FleetStack[],
  resources: readonly ReadResource<StackResource>[],
  diagnostics: Diagnostics,
): void {
  const byName = new Map(stacks.map((stack) => [stack.name, stack]));
  const resourceByName = new Map(resources.map((resource) => [resource.name, resource]));
  const afterAt = (stack: string, index: number) => {
    const resource = resourceByName.get(stack);
    return resource ? resource.toml.locate([...resource.path, "after", index]) : { file: "", line: 0, column: 0 };
  };

  for (const stack of stacks) {
    stack.after.forEach((name, index) => {
      if (!byName.has(name)) {
        diagnostics.error(
          "E_UNKNOWN_STACK",
          `stack "${stack.name}" is after unknown stack "${name}"${didYouMean(name, byName.keys())}`,
          afterAt(stack.name, index),
          "stack.after",
        );
      }
    });
  }

  for (const cycle of findCycles(stacks)) {
    const first = cycle[0] ?? "";
    const stack = byName.get(first);
    const index = stack?.after.indexOf(cycle[1] ?? "") ?? -1;
    diagnostics.error(
      "E_AFTER_CYCLE",
      `deploy order has a cycle: ${[...cycle, first].join(" → ")}`,
      index >= 0 ? afterAt(first, index) : (stack?.at ?? { file: "", line: 0, column: 0 }),
      "stack.after",
    );
  }

  const projects = new Map<string, FleetStack>();
  for (const stack of stacks) {
    if (!stack.server) continue;
    const key = `${stack.server}\u0000${stack.projectName}`;
    const other = projects.get(key);
    if (other) {
      diagnostics.error(
        "E_DUPLICATE_PROJECT",
        `stacks "${other.name}" and "${stack.name}" both use project name "${stack.projectName}" on server "${stack.server}"`,
        stack.at,
        "stack.config.project_name",
      );
    } else projects.set(key, stack);
  }
}

/** Each elementary cycle in the `after` graph once, as the list of stacks on it. */
export function findCycles(stacks: readonly Pick<FleetStack, "name" | "after">[]): string[][] {
  const after = new Map(stacks.map((stack) => [stack.name, stack.after]));
  const state = new Map<string, "visiting" | "done">();
  const stackPath: string[] = [];
  const cycles: string[][] = [];
  const visit = (name: string) => {
    state.set(name, "visiting");
    stackPath.push(name);
    for (const next of after.get(name) ?? []) {
      if (!after.has(next)) continue;
      if (state.get(next) === "visiting") cycles.push(stackPath.slice(stackPath.indexOf(next)));
      else if (!state.has(next)) visit(next);
    }
    stackPath.pop();
    state.set(name, "done");
  };
  for (const stack of stacks) if (!state.has(stack.name)) visit(stack.name);
  return cycles;
}
