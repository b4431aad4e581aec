/**
 * Pulls exact byte counts out of an async iterable of byte chunks of any sizes, copying only when a read spans
 * several chunks. Used to parse framed formats from streams with flat memory.
 */
export class ByteReader {
  readonly #source: AsyncIterator<Uint8Array>;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #done = false;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.#source = source[Symbol.asyncIterator]();
  }

  async #fill(n: number): Promise<void> {
    while (this.#queued < n && !this.#done) {
      const next = await this.#source.next();
      if (next.done) this.#done = true;
      else if (next.value.byteLength > 0) {
        this.#queue.push(next.value);
        this.#queued += next.value.byteLength;
      }
    }
  }

  /** Reads `n` bytes, or fewer only at the end of the input. */
  async read(n: number): Promise<Uint8Array> {
    await this.#fill(n);
    const first = this.#queue[0];
    if (first && first.byteLength >= n) {
      this.#take(n);
      return first.subarray(0, n);
    }
    const out = new Uint8Array(Math.min(n, this.#queued));
    let at = 0;
    while (at < out.byteLength) {
      const head = this.#queue[0] as Uint8Array;
      const take = Math.min(head.byteLength, out.byteLength - at);
      out.set(head.subarray(0, take), at);
      at += take;
      this.#take(take);
    }
    return out;
  }

  #take(n: number): void {
    const head = this.#queue[0] as Uint8Array;
    if (head.byteLength === n) this.#queue.shift();
    else this.#queue[0] = head.subarray(n);
    this.#queued -= n;
  }

  /** True when no byte is left. */
  async atEnd(): Promise<boolean> {
    await this.#fill(1);
    return this.#queued === 0;
  }

  /** Stops the underlying source early (e.g. after an error). */
  async close(): Promise<void> {
    if (!this.#done) {
      this.#done = true;
      await this.#source.return?.();
    }
  }
}
