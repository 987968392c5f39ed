/** Sends every event to several sinks, for example pretty on the terminal and NDJSON to --log-file. */
import type { EventSink, WardenEvent } from "./event.ts";

export class TeeSink implements EventSink {
  readonly #sinks: readonly EventSink[];
  constructor(...sinks: EventSink[]) {
    this.#sinks = sinks;
  }
  emit(event: WardenEvent): void {
    for (const sink of this.#sinks) sink.emit(event);
  }
  close(): void {
    for (const sink of this.#sinks) sink.close?.();
  }
}
