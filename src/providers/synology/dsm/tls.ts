import { rootCertificates, TLSSocket } from 'node:tls';
import type { buildConnector } from 'undici';
import { OperationError } from '../../../errors.js';
import type { Logger } from '../../../log.js';

/**
 * Certificate checks for DSM, which ships a self-signed certificate. Three ways to trust it, best first:
 * a private CA (`ca`), a pinned SHA-256 fingerprint of the certificate itself, or, as a loud opt-in,
 * no verification at all. The check runs in the connector, after the handshake and before undici
 * writes a single byte of any request, so a refused certificate never sees the password.
 */

export interface TlsSettings {
  /** PEM of a CA to trust in addition to the system roots. */
  ca?: string;
  /** SHA-256 fingerprint of the server certificate, hex with or without colons, any case. */
  fingerprint?: string;
  insecure?: boolean;
}

/** Thrown by the connector when a certificate is refused; the transport turns it into kind 'tls'. */
export class TlsRejectedError extends Error {
  override readonly name = 'TlsRejectedError';
  /** Not an undici socket error code, so undici fails the queued requests instead of retrying the connect. */
  readonly code = 'VMM_TLS_REJECTED';
  constructor(
    readonly reason: 'untrusted' | 'pin_mismatch',
    readonly observedFingerprint: string,
    readonly detail: string,
  ) {
    super(`TLS certificate refused (${reason}: ${detail})`);
  }
}

/** Normalises a fingerprint to Node's `fingerprint256` form: upper-case hex pairs joined by colons. */
export function parseFingerprint(text: string): string {
  const hex = text.replace(/[:\s]/g, '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) {
    throw new OperationError('invalid_input', 'The TLS fingerprint is not a SHA-256 fingerprint (64 hex digits, colons optional).', {
      next:
        'Set VMM_TLS_FINGERPRINT to the SHA-256 fingerprint of the DSM certificate, ' +
        'e.g. from `openssl x509 -noout -fingerprint -sha256`.',
    });
  }
  return hex.match(/../g)?.join(':') ?? hex;
}

/** The checked TLS settings of an https target: the pin normalised, the insecure opt-in warned about once. */
export interface TlsPolicy {
  ca?: string;
  pin?: string;
  insecure: boolean;
}

/** Validates the settings when the client is built, so a bad pin or the insecure warning shows at start. */
export function tlsPolicy(settings: TlsSettings, logger: Logger): TlsPolicy {
  const pin = settings.fingerprint === undefined ? undefined : parseFingerprint(settings.fingerprint);
  const insecure = settings.insecure === true;
  if (insecure && pin === undefined) {
    logger.warning(
      'TLS verification is OFF (VMM_INSECURE_TLS): anyone on the network path can read the DSM password. ' +
        'Prefer VMM_CA_FILE or VMM_TLS_FINGERPRINT.',
    );
  }
  return { ...(settings.ca === undefined ? {} : { ca: settings.ca }), ...(pin === undefined ? {} : { pin }), insecure };
}

/**
 * The undici connector for an https target. Node still computes `authorized` (chain and host name)
 * with rejectUnauthorized off; we decide on it ourselves so that a refusal can name the certificate's
 * fingerprint. undici is imported here, on the first connection, not when the server starts.
 */
export async function createTlsConnector(policy: TlsPolicy): Promise<buildConnector.connector> {
  const { buildConnector } = await import('undici');
  const { pin, insecure } = policy;
  const base = buildConnector({
    rejectUnauthorized: false,
    ...(policy.ca === undefined ? {} : { ca: [...rootCertificates, policy.ca] }),
    // A resumed session skips the certificate exchange; every connection must show its certificate to be checked.
    maxCachedSessions: 0,
  });
  return (options, callback) => {
    base(options, (error, socket) => {
      if (error !== null) {
        callback(error, null);
        return;
      }
      if (!(socket instanceof TLSSocket)) {
        callback(null, socket);
        return;
      }
      const refusal = checkCertificate(socket, pin, insecure);
      if (refusal === undefined) {
        callback(null, socket);
        return;
      }
      socket.destroy();
      callback(refusal, null);
    });
  };
}

function checkCertificate(socket: TLSSocket, pin: string | undefined, insecure: boolean): TlsRejectedError | undefined {
  const observed = socket.getPeerCertificate().fingerprint256 ?? '';
  if (pin !== undefined) {
    return observed === pin ? undefined : new TlsRejectedError('pin_mismatch', observed, `pinned ${pin}`);
  }
  if (insecure || socket.authorized) return undefined;
  return new TlsRejectedError('untrusted', observed, String(socket.authorizationError ?? 'not trusted'));
}

const TLS_ERROR_CODE = /^(ERR_TLS_|ERR_SSL_|EPROTO$|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_)/;

export function isTlsFailure(error: unknown): boolean {
  if (error instanceof TlsRejectedError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TLS_ERROR_CODE.test(code);
}

/** The user-facing error for a refused or failed TLS connection, naming the setting that fixes it. */
export function tlsError(error: unknown, origin: string): OperationError {
  if (error instanceof TlsRejectedError && error.reason === 'pin_mismatch') {
    return new OperationError(
      'tls',
      `DSM at ${origin} presented a certificate with SHA-256 fingerprint ${error.observedFingerprint}, ` +
        `which does not match VMM_TLS_FINGERPRINT (${error.detail}). Nothing was sent.`,
      {
        cause: error,
        next:
          'If the DSM certificate was renewed, check the new fingerprint in DSM and update VMM_TLS_FINGERPRINT; ' +
          'otherwise something is intercepting the connection.',
      },
    );
  }
  if (error instanceof TlsRejectedError) {
    return new OperationError(
      'tls',
      `DSM at ${origin} presented a certificate this machine does not trust (${error.detail}); ` +
        `its SHA-256 fingerprint is ${error.observedFingerprint}. Nothing was sent.`,
      {
        cause: error,
        next:
          `Set VMM_CA_FILE to the CA that signed it, or pin it with VMM_TLS_FINGERPRINT=${error.observedFingerprint} ` +
          'after checking that DSM shows the same certificate, or (last resort) set VMM_INSECURE_TLS=true.',
      },
    );
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new OperationError('tls', `The TLS connection to DSM at ${origin} failed: ${detail}.`, {
    cause: error,
    next: 'Check that VMM_URL uses the HTTPS port of DSM (usually 5001); for certificate problems set VMM_CA_FILE or VMM_TLS_FINGERPRINT.',
  });
}
