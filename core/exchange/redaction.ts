/**
 * Keeps credentials out of every message the adapter produces. ccxt's error messages can
 * carry request URLs and bodies (and, with `verbose`, headers): the API key, the secret and
 * any request signature are replaced before a message leaves the adapter.
 */
export interface Credentials {
  readonly apiKey: string;
  readonly secret: string;
}

/** A hex HMAC-SHA256 signature (64 hex characters), as in X-BAPI-SIGN or `sign=`. */
const SIGNATURE = /\b[0-9a-fA-F]{64}\b/g;
const SIGN_PARAM = /(sign|signature|x-bapi-sign|x-bapi-api-key|api_key)(["']?\s*[:=]\s*["']?)[^"'&\s,}]+/gi;

export function redact(text: string, creds: Credentials): string {
  let out = text;
  for (const secret of [creds.secret, creds.apiKey]) {
    if (secret.length >= 4) out = out.split(secret).join("[redacted]");
  }
  return out.replace(SIGN_PARAM, "$1$2[redacted]").replace(SIGNATURE, "[redacted]");
}
