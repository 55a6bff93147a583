// A block of code or log text. It may scroll, so it takes keyboard focus:
// someone without a mouse must be able to scroll it (WCAG 2.1.1).
import type { HTMLAttributes, Ref } from "react";

export function CodeBlock(props: HTMLAttributes<HTMLPreElement> & { ref?: Ref<HTMLPreElement> }) {
  // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling block must be reachable by keyboard (axe scrollable-region-focusable)
  return <pre tabIndex={0} {...props} />;
}
