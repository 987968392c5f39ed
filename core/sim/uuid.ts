/** UUID-shaped ids (version 4 layout, like Bybit's orderId/execId) drawn from the seeded RNG, so runs repeat exactly. */
import type { Rng } from "../rng.ts";

export function seededUuid(rng: Rng): string {
  let hex = "";
  for (let i = 0; i < 16; i++) {
    let byte = Math.floor(rng() * 256);
    if (i === 6) byte = (byte & 0x0f) | 0x40;
    if (i === 8) byte = (byte & 0x3f) | 0x80;
    hex += byte.toString(16).padStart(2, "0");
  }
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
