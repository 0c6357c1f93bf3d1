import { ConfigError } from '../config-error.js';
import type { TlsSettings } from '../http/tls.js';
import { readText } from '../secret-sources.js';

/** The certificate settings of a target whose provider checks TLS itself (synology, wakame), read once for both. */

export interface TlsEntry {
  ca_file?: string | undefined;
  tls_fingerprint?: string | undefined;
  insecure_tls?: boolean | undefined;
}

/** Reads the CA file now, so that a missing or non-PEM file is a start-up error naming `caLabel`. */
export function tlsSettingsOf(entry: TlsEntry, caLabel: string): TlsSettings {
  const tls: TlsSettings = {};
  if (entry.ca_file !== undefined) {
    const ca = readText(entry.ca_file, caLabel);
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new ConfigError(`${caLabel}: ${entry.ca_file} is not a PEM certificate (no BEGIN CERTIFICATE line)`);
    tls.ca = ca;
  }
  if (entry.tls_fingerprint !== undefined) tls.fingerprint = entry.tls_fingerprint;
  if (entry.insecure_tls === true) tls.insecure = true;
  return tls;
}
