// bench/log-lines.ts: log lines shaped like a homelab's, deterministic by
// number: access-log lines (70 %), worker lines with a level (25 %), errors
// with a phrase (5 %), and one rare `panic` per 100,000.

export function logLine(n: number): string {
  if (n % 100_000 === 99_999) return `panic: nil pointer dereference in handler ${n}`;
  const bucket = n % 100;
  if (bucket < 70)
    return `10.0.${n % 250}.${(n >> 8) % 250} - - "GET /api/items/${n % 5000} HTTP/1.1" ${n % 17 === 0 ? 404 : 200} ${(n * 37) % 9000} "-" "Mozilla/5.0"`;
  if (bucket < 95) return `level=info worker ${n % 8} processed job ${n} in ${(n * 13) % 900}ms`;
  return `ERROR upstream timeout talking to db-${n % 3}: connection refused after ${(n * 7) % 30}s`;
}
