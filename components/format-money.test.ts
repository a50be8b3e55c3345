import { describe, expect, it } from "vitest";
import { formatMoney, minorUnitDigits } from "./format-money";

// Intl separates symbol and amount with a no-break space in some locales.
const plain = (text: string) => text.replace(/\u00a0/g, " ");

describe("formatMoney", () => {
  it("formats minor units with the currency's own number of decimals", () => {
    expect(formatMoney(900, "usd")).toBe("$9");
    expect(formatMoney(999, "usd")).toBe("$9.99");
    expect(formatMoney(14900, "USD")).toBe("$149");
    expect(formatMoney(500, "jpy")).toBe("¥500");
    expect(plain(formatMoney(1500, "kwd"))).toBe("KWD 1.500");
  });

  it("knows minor-unit sizes", () => {
    expect(minorUnitDigits("usd")).toBe(2);
    expect(minorUnitDigits("jpy")).toBe(0);
    expect(minorUnitDigits("kwd")).toBe(3);
  });

  it("respects the locale", () => {
    expect(plain(formatMoney(2900, "eur", "de-DE"))).toBe("29 €");
  });
});
