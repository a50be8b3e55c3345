// Test tooling (never imported by app code): the sandbox must not drift from the provider's
// published material. `shapeDifferences(official, ours)` lists every field the official sample
// carries that our object lacks or carries with another JSON type, recursively (arrays by their
// first element). Extra fields of ours are allowed; `null` in the sample matches anything
// (a nullable field), and a field the sample has as null may be absent nowhere else.

type JsonType = "null" | "boolean" | "number" | "string" | "array" | "object";

function typeOf(value: unknown): JsonType {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value as JsonType;
}

export type ShapeOptions = {
  /** Dotted paths (e.g. "data.object.discounts") not compared, each with the reason in the caller. */
  ignore?: string[];
  /** Where the sample's value is null, also require the field to exist in ours (default true). */
  requireNullable?: boolean;
};

export function shapeDifferences(official: unknown, ours: unknown, options: ShapeOptions = {}, path = ""): string[] {
  const ignore = new Set(options.ignore ?? []);
  const requireNullable = options.requireNullable ?? true;
  if (ignore.has(path)) return [];
  const expected = typeOf(official);
  const actual = typeOf(ours);
  const at = path || "(root)";
  if (expected === "null") return [];
  if (actual !== expected) return [`${at}: ${expected} in the official sample, ${actual} in ours`];
  if (expected === "array") {
    const [first] = official as unknown[];
    const [mine] = ours as unknown[];
    if (first === undefined || mine === undefined) return [];
    return shapeDifferences(first, mine, options, `${path}[]`);
  }
  if (expected !== "object") return [];
  const differences: string[] = [];
  const theirs = official as Record<string, unknown>;
  const mineObject = ours as Record<string, unknown>;
  for (const key of Object.keys(theirs)) {
    const child = path ? `${path}.${key}` : key;
    if (ignore.has(child)) continue;
    if (!(key in mineObject)) {
      if (theirs[key] === null && !requireNullable) continue;
      differences.push(`${child}: missing in ours`);
      continue;
    }
    differences.push(...shapeDifferences(theirs[key], mineObject[key], options, child));
  }
  return differences;
}
