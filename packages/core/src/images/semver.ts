// Newer versions of a version-like tag (`1.4.2`, `v2.3`, `16-alpine`), from a
// registry's tag list, grouped patch / minor / major. A candidate keeps the
// tag's shape: the same `v` prefix, as many numbers, and the same suffix
// (`-alpine`); pre-releases (`-rc1`, `-beta.2`) are proposed only when the
// current tag is one. Pure.

export interface TagVersion {
  prefix: string;
  numbers: number[];
  /** What follows the numbers, without its leading `-` ("" for none). */
  suffix: string;
  prerelease: boolean;
}

export interface NewerVersions {
  patch: string[];
  minor: string[];
  major: string[];
}

const TAG = /^(?<prefix>v?)(?<numbers>\d+(?:\.\d+){0,2})(?:-(?<suffix>[0-9A-Za-z][0-9A-Za-z.-]*))?$/;
const PRERELEASE = /^(?:alpha|beta|rc|pre|preview|dev|snapshot|nightly)(?:[.-]?\d+)*$/i;

export function parseTagVersion(tag: string): TagVersion | undefined {
  const groups = TAG.exec(tag)?.groups;
  if (!groups?.numbers) return undefined;
  const suffix = groups.suffix ?? "";
  return {
    prefix: groups.prefix ?? "",
    numbers: groups.numbers.split(".").map(Number),
    suffix,
    prerelease: PRERELEASE.test(suffix),
  };
}

function compareNumbers(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i += 1) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Semver precedence, for tags of the same shape: a release sorts after its pre-releases. */
function compareVersions(a: TagVersion, b: TagVersion): number {
  const byNumbers = compareNumbers(a.numbers, b.numbers);
  if (byNumbers !== 0) return byNumbers;
  if (a.prerelease !== b.prerelease) return a.prerelease ? -1 : 1;
  return a.suffix.localeCompare(b.suffix, "en", { numeric: true });
}

/** The tags newer than `current`, by group, oldest first; undefined when `current` is not version-like. */
export function newerVersions(current: string, tags: readonly string[]): NewerVersions | undefined {
  const mine = parseTagVersion(current);
  if (!mine) return undefined;
  const groups: NewerVersions = { patch: [], minor: [], major: [] };
  const found: Array<{ tag: string; version: TagVersion }> = [];
  for (const tag of tags) {
    const version = parseTagVersion(tag);
    if (!version || version.prefix !== mine.prefix || version.numbers.length !== mine.numbers.length) continue;
    // A release tag proposes releases of its own flavour; a pre-release also the releases.
    const sameFlavour = mine.prerelease
      ? version.suffix === "" || version.prerelease
      : version.suffix === mine.suffix && !version.prerelease;
    if (!sameFlavour || compareVersions(version, mine) <= 0) continue;
    found.push({ tag, version });
  }
  found.sort((a, b) => compareVersions(a.version, b.version));
  for (const { tag, version } of found) {
    const [major = 0, minor = 0] = version.numbers;
    const [myMajor = 0, myMinor = 0] = mine.numbers;
    if (major !== myMajor || mine.numbers.length === 1) groups.major.push(tag);
    else if (minor !== myMinor || mine.numbers.length === 2) groups.minor.push(tag);
    else groups.patch.push(tag);
  }
  return groups;
}
