import { describe, expect, it } from "vitest";
import { shapeDifferences } from "./same-shape";

describe("shapeDifferences (the sandbox against official samples)", () => {
  it("names missing fields and type changes, recursively; extra fields and nullable values pass", () => {
    const official = { id: "x", amount: 1, nested: { when: "2026", items: [{ q: 1 }] }, maybe: null };
    expect(shapeDifferences(official, { id: "y", amount: 2, nested: { when: "2027", items: [{ q: 3, extra: true }] }, maybe: 5, more: 1 })).toEqual([]);
    expect(shapeDifferences(official, { id: 1, nested: { items: [{ q: "1" }] }, maybe: null })).toEqual([
      "id: string in the official sample, number in ours",
      "amount: missing in ours",
      "nested.when: missing in ours",
      "nested.items[].q: number in the official sample, string in ours",
    ]);
    expect(shapeDifferences(official, { id: "x", amount: 1, nested: { when: "", items: [] } })).toEqual(["maybe: missing in ours"]);
    expect(shapeDifferences(official, { id: "x", amount: 1, nested: { when: "", items: [] } }, { requireNullable: false })).toEqual([]);
    expect(shapeDifferences(official, { id: "x", amount: 1 }, { ignore: ["nested", "maybe"] })).toEqual([]);
  });
});
