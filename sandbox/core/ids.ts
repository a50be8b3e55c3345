import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** Random base62 string of `length` characters (crypto-strength; ids are unguessable). */
export function randomId(length: number): string {
  const bytes = randomBytes(length * 2);
  let out = "";
  for (let i = 0; i < bytes.length && out.length < length; i++) {
    const b = bytes[i];
    if (b < 248) out += ALPHABET[b % 62]; // 248 = 4 × 62: no modulo bias
  }
  while (out.length < length) out += ALPHABET[randomBytes(1)[0] % 62];
  return out;
}

/** `prefix_` + random, e.g. id("cs_test", 58) → "cs_test_a1B2…". */
export function id(prefix: string, length = 24): string {
  return `${prefix}_${randomId(length)}`;
}
