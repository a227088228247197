/** Reads one request header; Web `Headers` fits, and so does a thin wrapper over Node's. */
export interface HeaderReader {
  get(name: string): string | null
}

/**
 * The parts of a request the checks read. A Web `Request` fits; the Node server's fast
 * path passes a lighter object so proxied requests skip building a full `Request`.
 */
export interface RequestHead {
  readonly method: string
  /** Absolute URL (`https://host/path?query`). */
  readonly url: string
  readonly headers: HeaderReader
}
