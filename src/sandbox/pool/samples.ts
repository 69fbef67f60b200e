/** A bounded window of recent latency samples with nearest-rank percentiles. */
export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  /** Samples the percentiles are computed from (at most the window size). */
  count: number;
}

export class SampleWindow {
  private readonly values: Float64Array;
  private next = 0;
  private filled = 0;

  constructor(readonly capacity = 1024) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`sample window capacity must be a positive integer, got ${capacity}`);
    this.values = new Float64Array(capacity);
  }

  add(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    this.values[this.next] = ms;
    this.next = (this.next + 1) % this.capacity;
    if (this.filled < this.capacity) this.filled++;
  }

  get count(): number {
    return this.filled;
  }

  /** Nearest-rank percentiles (the p-th value of the sorted window), rounded to microseconds; zeros when empty. */
  percentiles(): Percentiles {
    if (this.filled === 0) return { p50: 0, p95: 0, p99: 0, count: 0 };
    const sorted = this.values.slice(0, this.filled).sort();
    const at = (p: number): number => {
      const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
      return Math.round(sorted[rank - 1]! * 1000) / 1000;
    };
    return { p50: at(50), p95: at(95), p99: at(99), count: this.filled };
  }
}
