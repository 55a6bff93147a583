// Certificate fingerprints as openssl and Node print them: upper-case hex
// pairs joined by ":". Both sides pin one (core an inbound agent's, an
// outbound agent core's), whatever form an operator pasted.

export function normalizeFingerprint(text: string): string {
  const hex = text
    .replace(/^sha256:/i, "")
    .replace(/[^0-9a-f]/gi, "")
    .toUpperCase();
  return hex.match(/.{2}/g)?.join(":") ?? "";
}
