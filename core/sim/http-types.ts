/**
 * The simulator's transport-independent boundary: a request goes in, a Bybit-shaped
 * response comes out. The msw handlers and `sim serve` both only translate to and from these.
 */
export interface SimRequest {
  readonly method: "GET" | "POST" | string;
  /** Path without query, e.g. "/v5/order/realtime". */
  readonly path: string;
  /** Query string without "?" exactly as sent (signatures cover it verbatim). */
  readonly query: string;
  /** Raw body text ("" for GET). Signatures cover it verbatim. */
  readonly body: string;
  /** Header names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
  /** Caller address for the per-IP limit; "127.0.0.1" when unknown. */
  readonly ip?: string;
}

export interface SimResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** JSON body (Bybit envelope) or a plain-text body for HTTP-level errors such as 403. */
  readonly body: unknown;
  /**
   * Set by the fault "timeout": the transport must never answer (hang until the client
   * gives up). For "lost-response" the write IS applied and the transport hangs too.
   */
  readonly hang?: boolean;
}

/** One line of the simulator's own request log: what the bench's accounting is checked against. */
export interface SimLogEntry {
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly account: string | undefined;
  readonly status: number;
  readonly retCode: number | undefined;
}

export interface SimulatorApi {
  handle(req: SimRequest): Promise<SimResponse>;
  /** Advance the price path n steps (and the virtual clock by n * stepMs), matching orders. */
  step(n?: number): void;
  /** True when the price path has no more steps. */
  finished(): boolean;
  /** JSON-serialisable state for GET /__sim/state. */
  state(): unknown;
  readonly log: readonly SimLogEntry[];
}
