// The rate-limit token bucket holds its rate over time, oversize requests included.
import { describe, expect, it } from "vitest";
import { TokenBucket } from "../src/runtime/token-bucket.ts";

describe("TokenBucket", () => {
  it("admits a request that fits and refuses one that does not (hand count)", () => {
    const bucket = new TokenBucket(10, 20); // 10 a second, 20 at most
    expect(bucket.take(15, 0)).toBe(true); // 5 left
    expect(bucket.take(6, 0)).toBe(false);
    expect(bucket.waitFor(6, 0)).toBeCloseTo(0.1, 12);
    expect(bucket.take(6, 0.1)).toBe(true);
  });

  it("never lets oversize requests through faster than its rate: they leave it in debt", () => {
    // 1,000 tokens a second, a bucket of one second; each request asks for 12,000 tokens.
    // Asking as often as allowed for an hour admits at most rate x time + capacity tokens.
    const bucket = new TokenBucket(1000, 1000);
    let admitted = 0;
    let nowS = 0;
    while (nowS < 3600) {
      if (bucket.take(12_000, nowS)) admitted += 12_000;
      nowS += Math.max(0.01, bucket.waitFor(12_000, nowS));
    }
    expect(admitted).toBeLessThanOrEqual(1000 * 3600 + 12_000);
    // ... and not much less: it is not starved either (one request every 12 s).
    expect(admitted).toBeGreaterThan(0.95 * 1000 * 3600);
  });
});
