import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Self-signed certificates like DSM's (or a site's TLS proxy's), made with the openssl CLI for one test
 * file: one for 127.0.0.1 with its SHA-256 fingerprint as openssl prints it, and one for another name.
 */

export interface PemPair {
  key: string;
  cert: string;
}

export interface TestCertificates {
  /** Valid for localhost and 127.0.0.1. */
  local: PemPair;
  /** `AB:CD:...`, from `openssl x509 -fingerprint -sha256`. */
  fingerprint: string;
  /** Signed for nas.example only: trusted as a CA, but not for 127.0.0.1. */
  other: PemPair;
  /** Where the PEM files are, for settings that take a file (ca_file). */
  dir: string;
  remove(): void;
}

export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'vmm-mcp-tls-'));
  const selfSigned = (name: string, subjectAltName: string): PemPair => {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-days', '1',
      '-addext', `subjectAltName=${subjectAltName}`,
      '-keyout', join(dir, `${name}.key.pem`), '-out', join(dir, `${name}.cert.pem`),
    ], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, `${name}.key.pem`), 'utf8'), cert: readFileSync(join(dir, `${name}.cert.pem`), 'utf8') };
  };
  const local = selfSigned('localhost', 'DNS:localhost,IP:127.0.0.1');
  const other = selfSigned('nas.example', 'DNS:nas.example');
  const printed = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-in', join(dir, 'localhost.cert.pem')], { encoding: 'utf8' });
  return {
    local,
    fingerprint: printed.trim().replace(/^.*=/, ''),
    other,
    dir,
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A well-formed pin of no certificate here. */
export const WRONG_FINGERPRINT = 'AB:'.repeat(31) + 'AB';
