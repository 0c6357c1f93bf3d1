import { createHmac } from 'node:crypto';

/**
 * LunaNode's request signature (API overview; its PHP, Go, Ruby and C# clients agree): lowercase hex
 * HMAC-SHA512, keyed with the full 128-character API key, over `{category}/{action}/|{req}|{nonce}`,
 * where `req` is the exact JSON text sent and `nonce` the Unix time in seconds.
 */
export function signRequest(apiKey: string, endpoint: string, req: string, nonce: string): string {
  return createHmac('sha512', apiKey).update(`${endpoint}|${req}|${nonce}`).digest('hex');
}

/** `vm/list/`: the endpoint part of the URL and of the signed message, with its trailing slash. */
export function endpointOf(category: string, action: string): string {
  return `${category}/${action}/`;
}

/** The key's first 64 characters, sent in every request so the server can find the key. */
export function partialKeyOf(apiKey: string): string {
  return apiKey.slice(0, 64);
}
