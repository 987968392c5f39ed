/** Passes on events at or above a level: `info` drops debug, `warn` keeps warnings and errors. */
import { levelRank, type EventSink, type Level, type WardenEvent } from "./event.ts";

export class LevelFilterSink implements EventSink {
  readonly #sink: EventSink;
  readonly #min: number;
  constructor(sink: EventSink, min: Level) {
    this.#sink = sink;
    this.#min = levelRank(min);
  }
  emit(event: WardenEvent): void {
    if (levelRank(event.level) >= this.#min) this.#sink.emit(event);
  }
  close(): void {
    this.#sink.close?.();
  }
}
