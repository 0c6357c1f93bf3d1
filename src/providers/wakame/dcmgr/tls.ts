import { rootCertificates } from 'node:tls';
import type { buildConnector } from 'undici';
import type { Logger } from '../../../log.js';

/**
 * Certificate checks for a dcmgr behind https (stock dcmgr speaks plain http on 9001; sites put a TLS
 * proxy in front). A private CA is trusted beside the system roots; turning verification off is a
 * loud opt-in. undici is imported on the first connection, not when the server starts.
 */

export interface DcmgrTlsSettings {
  /** PEM of a CA to trust in addition to the system roots. */
  ca?: string;
  insecure?: boolean;
}

export function tlsConnector(settings: DcmgrTlsSettings, logger: Logger): () => Promise<buildConnector.connector> {
  if (settings.insecure === true) {
    logger.warning('TLS verification is OFF for a Wakame-VDC target (insecure_tls): anyone on the network path can act as that account. Prefer ca_file.');
  }
  return async () => {
    const { buildConnector } = await import('undici');
    return buildConnector({
      rejectUnauthorized: settings.insecure !== true,
      ...(settings.ca === undefined ? {} : { ca: [...rootCertificates, settings.ca] }),
    });
  };
}

const TLS_ERROR_CODE = /^(ERR_TLS_|ERR_SSL_|EPROTO$|CERT_|DEPTH_ZERO|SELF_SIGNED|UNABLE_TO_)/;

export function isTlsFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TLS_ERROR_CODE.test(code);
}
