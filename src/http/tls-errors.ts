import { OperationError } from '../errors.js';
import { TlsRejectedError } from './tls.js';

/**
 * The user-facing error for a refused or failed TLS connection, the same for every provider that checks
 * certificates: it names the fingerprint the server presented and the setting that fixes it.
 */

/** How one provider's messages name its server. */
export interface TlsWording {
  /** e.g. "DSM", "dcmgr". */
  server: string;
  /** Where the user can read the certificate's real fingerprint, e.g. "in DSM". */
  fingerprintSource: string;
  /** The port the url should name, e.g. "the HTTPS port of DSM (usually 5001)". */
  httpsPort: string;
}

export function tlsError(error: unknown, origin: string, wording: TlsWording): OperationError {
  const { server } = wording;
  if (error instanceof TlsRejectedError && error.reason === 'pin_mismatch') {
    return new OperationError(
      'tls',
      `${server} at ${origin} presented a certificate with SHA-256 fingerprint ${error.observedFingerprint}, ` +
        `which does not match VMM_TLS_FINGERPRINT (${error.detail}). Nothing was sent.`,
      {
        cause: error,
        next:
          `If the ${server} certificate was renewed, check the new fingerprint ${wording.fingerprintSource} and update VMM_TLS_FINGERPRINT; ` +
          'otherwise something is intercepting the connection.',
      },
    );
  }
  if (error instanceof TlsRejectedError) {
    return new OperationError(
      'tls',
      `${server} at ${origin} presented a certificate this machine does not trust (${error.detail}); ` +
        `its SHA-256 fingerprint is ${error.observedFingerprint}. Nothing was sent.`,
      {
        cause: error,
        next:
          `Set VMM_CA_FILE to the CA that signed it, or pin it with VMM_TLS_FINGERPRINT=${error.observedFingerprint} ` +
          `after checking that ${server} shows the same certificate, or (last resort) set VMM_INSECURE_TLS=true.`,
      },
    );
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new OperationError('tls', `The TLS connection to ${server} at ${origin} failed: ${detail}.`, {
    cause: error,
    next: `Check that VMM_URL uses ${wording.httpsPort}; for certificate problems set VMM_CA_FILE or VMM_TLS_FINGERPRINT.`,
  });
}
