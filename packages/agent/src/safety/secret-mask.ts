// Hides secret values in text the agent sends on: deploy output, container
// logs. One pattern for all of a set's values, longest first, so a secret
// containing another is masked whole; values under 3 characters are noise.

const MIN_LENGTH = 3;
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

export function maskerOf(secrets: Iterable<string>): (text: string) => string {
  const values = [...new Set([...secrets].filter((s) => s.length >= MIN_LENGTH))].sort((a, b) => b.length - a.length);
  if (values.length === 0) return (text) => text;
  const pattern = new RegExp(values.map(escapeRegExp).join("|"), "g");
  return (text) => text.replace(pattern, "***");
}
