import { describe, expect, it } from "vitest";
import { FormParseError, canonical, encodeForm, parseForm, splitKey } from "../core/form";
import { ParamError, S, coerceObject } from "../core/params";

describe("form parsing (bracket notation)", () => {
  it("nests brackets and keeps values as strings", () => {
    const tree = parseForm(
      "mode=payment&line_items[0][price_data][unit_amount]=2000&line_items[0][price_data][product_data][name]=T%20shirt&line_items[0][quantity]=1&metadata[order]=42&metadata[note]=a+b",
    );
    expect(tree).toEqual({
      mode: "payment",
      line_items: { "0": { price_data: { unit_amount: "2000", product_data: { name: "T shirt" } }, quantity: "1" } },
      metadata: { order: "42", note: "a b" },
    });
  });

  it("accepts percent-encoded brackets and [] appends", () => {
    expect(parseForm("expand%5B0%5D=line_items&expand%5B1%5D=customer")).toEqual({ expand: { "0": "line_items", "1": "customer" } });
    expect(parseForm("expand[]=a&expand[]=b")).toEqual({ expand: { "0": "a", "1": "b" } });
  });

  it("round-trips stripe-node's encoding", () => {
    const data = { line_items: [{ price: "price_1", quantity: 3 }], metadata: { "k-1": "v&=x" }, allow_promotion_codes: true };
    expect(parseForm(encodeForm(data))).toEqual({ line_items: { "0": { price: "price_1", quantity: "3" } }, metadata: { "k-1": "v&=x" }, allow_promotion_codes: "true" });
  });

  it("rejects a key used both as a value and a hash, and prototype keys", () => {
    expect(() => parseForm("a=1&a[b]=2")).toThrow(FormParseError);
    expect(() => parseForm("__proto__[x]=1")).toThrow(FormParseError);
  });

  it("treats malformed bracket keys as literal names", () => {
    expect(splitKey("a[b")).toEqual(["a[b"]);
    expect(splitKey("a[b]c")).toEqual(["a[b]c"]);
  });

  it("canonical() ignores key order", () => {
    expect(canonical({ b: 1, a: { d: 2, c: 3 } })).toBe(canonical({ a: { c: 3, d: 2 }, b: 1 }));
  });
});

describe("parameter schemas", () => {
  const schema = {
    mode: S.str({ enum: ["payment", "setup"] }),
    items: S.arr(S.obj({ quantity: S.int({ min: 1 }), price: S.str() }, ["price"])),
    metadata: S.meta(),
    flag: S.bool(),
  };
  const err = (fn: () => unknown): ParamError => {
    try {
      fn();
    } catch (e) {
      if (e instanceof ParamError) return e;
      throw e;
    }
    throw new Error("expected a ParamError");
  };

  it("turns numeric-keyed hashes into arrays in index order", () => {
    const out = coerceObject({ items: { "1": { price: "b" }, "0": { price: "a", quantity: "2" } } }, schema, []);
    expect(out.items).toEqual([{ price: "a", quantity: 2 }, { price: "b" }]);
  });

  it("reports unknown, missing, invalid integer, enum and boolean with the bracket path", () => {
    expect(err(() => coerceObject({ bogus: "1" }, schema, []))).toMatchObject({ code: "parameter_unknown", param: "bogus", message: "Received unknown parameter: bogus" });
    expect(err(() => coerceObject({ items: { "0": { price: "p", extra: "x" } } }, schema, []))).toMatchObject({ code: "parameter_unknown", param: "items[0][extra]" });
    expect(err(() => coerceObject({}, schema, ["mode"]))).toMatchObject({ code: "parameter_missing", param: "mode", message: "Missing required param: mode." });
    expect(err(() => coerceObject({ items: { "0": { quantity: "1" } } }, schema, []))).toMatchObject({ code: "parameter_missing", param: "items[0][price]" });
    expect(err(() => coerceObject({ items: { "0": { price: "p", quantity: "two" } } }, schema, []))).toMatchObject({
      code: "parameter_invalid_integer",
      param: "items[0][quantity]",
      message: "Invalid integer: two",
    });
    expect(err(() => coerceObject({ mode: "nope" }, schema, [])).message).toBe("Invalid mode: must be one of payment, or setup");
    expect(err(() => coerceObject({ flag: "yes" }, schema, [])).param).toBe("flag");
  });

  it("drops empty metadata values (Stripe's unset) and enforces limits", () => {
    expect(coerceObject({ metadata: { a: "1", b: "" } }, schema, [])).toEqual({ metadata: { a: "1" } });
    expect(err(() => coerceObject({ metadata: { ["k".repeat(41)]: "v" } }, schema, [])).param).toBe(`metadata[${"k".repeat(41)}]`);
  });
});
