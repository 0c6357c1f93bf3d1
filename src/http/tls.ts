import { rootCertificates, TLSSocket } from 'node:tls';
import type { buildConnector } from 'undici';
import { OperationError } from '../errors.js';
import type { Logger } from '../log.js';

/**
 * Certificate checks for an https server that may well be self-signed (DSM ships one; dcmgr sits behind
 * a site's TLS proxy). Three ways to trust it, best first: a private CA (`ca`), a pinned SHA-256
 * fingerprint of the certificate itself, or, as a loud opt-in, no verification at all. The check runs
 * in the connector, after the handshake and before undici writes a single byte of any request, so a
 * refused certificate never sees a credential.
 */

export interface TlsSettings {
  /** PEM of a CA to trust in addition to the system roots. */
  ca?: string;
  /** SHA-256 fingerprint of the server certificate, hex with or without colons, any case. */
  fingerprint?: string;
  insecure?: boolean;
}

/** Thrown by the connector when a certificate is refused; the pool reports it as reason 'tls'. */
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
        "Set VMM_TLS_FINGERPRINT to the SHA-256 fingerprint of the server's certificate, " +
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

/**
 * Validates the settings when the client is built, so a bad pin or the insecure warning shows at start.
 * `exposed` says what anyone on the network path gets without verification, e.g. "read the DSM password".
 */
export function tlsPolicy(settings: TlsSettings, logger: Logger, exposed: string): TlsPolicy {
  const pin = settings.fingerprint === undefined ? undefined : parseFingerprint(settings.fingerprint);
  const insecure = settings.insecure === true;
  if (insecure && pin === undefined) {
    logger.warning(`TLS verification is OFF (VMM_INSECURE_TLS): anyone on the network path can ${exposed}. Prefer VMM_CA_FILE or VMM_TLS_FINGERPRINT.`);
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
