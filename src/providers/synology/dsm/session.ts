import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { OperationError } from '../../../errors.js';
import type { Logger } from '../../../log.js';
import { forgetSecret, registerSecret } from '../../../safety/redact.js';
import { awaitWithSignal } from './abort.js';
import type { WireValue } from './encoding.js';
import { AUTH_API, dsmError } from './error-codes.js';
import { base32Decode, totp, totpStep, TOTP_STEP_MS } from './totp.js';
import type { DsmEnvelope } from './transport.js';

/**
 * The one DSM session a process shares. Logins are single-flight: however many calls find the session
 * expired at once, one login runs and all of them wait for it. A call that failed with an older sid
 * after a newer login already happened simply takes the newer session.
 */

export interface Credentials {
  username: string;
  password: string;
  otpSecret?: string;
  deviceId?: string;
  /** The name DSM shows for this trusted device, sent with every device token (default `vmm-mcp`). */
  deviceName?: string;
  /** DSM's session name; unique per process so that two servers never log each other out (107). */
  sessionName?: string;
}

export interface LiveSession {
  readonly sid: string;
  /** Sent as X-SYNO-TOKEN; absent when DSM gave none (it may send the placeholder "--------"). */
  readonly synoToken: string | undefined;
  /** Increases with every login, so a caller can tell whether its failed sid is still the current one. */
  readonly generation: number;
}

/** How the session reaches SYNO.API.Auth; the client provides it (discovery, transport, retries). */
export interface AuthPort {
  authEndpoint(): Promise<{ path: string; version: number }>;
  post(
    path: string,
    params: Record<string, WireValue>,
    what: string,
    options?: { synoToken?: string; timeoutMs?: number },
  ): Promise<DsmEnvelope>;
}

const LOGIN = 'Login to DSM';
/** Shutting down should not hang on a DSM that no longer answers. */
const LOGOUT_TIMEOUT_MS = 5_000;
/** DSM sends this instead of a token when the login did not ask for one. */
const NO_SYNO_TOKEN = '--------';
const DEFAULT_DEVICE_NAME = 'vmm-mcp';

export function defaultSessionName(): string {
  return `vmm-mcp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

export class DsmSession {
  private current: LiveSession | undefined;
  private loginInFlight: Promise<LiveSession> | undefined;
  private generation = 0;
  private lastOtpStep: number | undefined;
  /**
   * A wrong account or password (400) cannot fix itself while the process runs. Asking again on every
   * call would only walk the account towards DSM's auto-block (10 failures in 5 minutes by default).
   */
  private wrongCredentials: OperationError | undefined;
  private readonly otpKey: Buffer | undefined;
  private readonly sessionName: string;
  private readonly deviceName: string;
  /**
   * The device token that skips the OTP: the configured one, or the one DSM issued when this process
   * logged in with a code. Remembered so that a re-login does not need a code, nor wait for a fresh
   * 30 s window.
   */
  private deviceId: string | undefined;
  logins = 0;

  constructor(
    private readonly credentials: Credentials,
    private readonly port: AuthPort,
    private readonly logger: Logger,
  ) {
    registerSecret(credentials.password);
    registerSecret(credentials.otpSecret);
    registerSecret(credentials.deviceId);
    this.otpKey = credentials.otpSecret === undefined ? undefined : base32Decode(credentials.otpSecret);
    this.sessionName = credentials.sessionName ?? defaultSessionName();
    this.deviceName = credentials.deviceName ?? DEFAULT_DEVICE_NAME;
    this.deviceId = credentials.deviceId;
  }

  get live(): boolean {
    return this.current !== undefined;
  }

  /** The current session, logging in first if there is none. */
  acquire(signal: AbortSignal | undefined): Promise<LiveSession> {
    if (this.current !== undefined) return Promise.resolve(this.current);
    return awaitWithSignal(this.sharedLogin(), signal, LOGIN);
  }

  /** A session newer than `stale`, which DSM just declared expired (106, 107, 119). */
  renew(stale: LiveSession, signal: AbortSignal | undefined): Promise<LiveSession> {
    if (this.current !== undefined && this.current.generation > stale.generation) return Promise.resolve(this.current);
    if (this.current?.generation === stale.generation) {
      this.logger.info('The DSM session expired; logging in again.');
      this.current = undefined;
    }
    return awaitWithSignal(this.sharedLogin(), signal, LOGIN);
  }

  /** Ends the session on DSM. Without `_sid` DSM answers success but keeps the session, so it is always sent. */
  async logout(): Promise<void> {
    if (this.loginInFlight !== undefined) await this.loginInFlight;
    const session = this.current;
    this.current = undefined;
    if (session === undefined) return;
    const { path, version } = await this.port.authEndpoint();
    const params = { api: AUTH_API, version, method: 'logout', session: this.sessionName, _sid: session.sid };
    const envelope = await this.port.post(path, params, 'Logout from DSM', {
      timeoutMs: LOGOUT_TIMEOUT_MS,
      ...(session.synoToken === undefined ? {} : { synoToken: session.synoToken }),
    });
    if (!envelope.success) {
      this.logger.warning(`DSM refused the logout (error ${envelope.error.code}); the session ends when it expires.`);
    }
  }

  private sharedLogin(): Promise<LiveSession> {
    this.loginInFlight ??= this.login().finally(() => {
      this.loginInFlight = undefined;
    });
    return this.loginInFlight;
  }

  private async login(): Promise<LiveSession> {
    if (this.wrongCredentials !== undefined) throw this.wrongCredentials;
    const { path, version } = await this.port.authEndpoint();
    const params: Record<string, WireValue> = {
      api: AUTH_API,
      version,
      method: 'login',
      account: this.credentials.username,
      passwd: this.credentials.password,
      session: this.sessionName,
      format: 'sid',
      enable_syno_token: 'yes',
    };
    const deviceId = this.deviceId;
    if (deviceId !== undefined) {
      // As DSM's login guide and every public client do: the token travels with the device's name.
      const envelope = await this.port.post(path, { ...params, device_id: deviceId, device_name: this.deviceName }, LOGIN);
      if (envelope.success) return this.accept(envelope.data);
      // A device token DSM no longer trusts (403) is worth one login with a code, when we can make one.
      if (envelope.error.code !== 403 || this.otpKey === undefined) throw this.refusedEnvelope(envelope.error.code, envelope.error.errors, true);
      this.logger.info('DSM no longer trusts the device token; logging in with a 2-step verification code.');
      if (this.deviceId === deviceId) this.deviceId = undefined;
    }
    if (this.otpKey === undefined) {
      const envelope = await this.port.post(path, params, LOGIN);
      if (!envelope.success) throw this.refusedEnvelope(envelope.error.code, envelope.error.errors, false);
      return this.accept(envelope.data);
    }
    const otpCode = await this.nextOtpCode(this.otpKey);
    registerSecret(otpCode);
    try {
      const withCode = { ...params, otp_code: otpCode, enable_device_token: 'yes', device_name: this.deviceName };
      const envelope = await this.port.post(path, withCode, LOGIN);
      if (!envelope.success) throw this.refusedEnvelope(envelope.error.code, envelope.error.errors, false);
      this.rememberDevice(envelope.data);
      return this.accept(envelope.data);
    } finally {
      forgetSecret(otpCode);
    }
  }

  /** Login v7 answers the device token as `device_id`, older versions as `did`. */
  private rememberDevice(data: unknown): void {
    const { device_id: deviceId, did } = (data ?? {}) as { device_id?: unknown; did?: unknown };
    const token = typeof deviceId === 'string' && deviceId !== '' ? deviceId : typeof did === 'string' && did !== '' ? did : undefined;
    if (token === undefined) return;
    registerSecret(token);
    this.deviceId = token;
  }

  private refusedEnvelope(code: number, errors: unknown, usedDeviceId: boolean): OperationError {
    const refusal = this.refused(code, errors, usedDeviceId);
    if (code === 400) this.wrongCredentials = refusal;
    return refusal;
  }

  /**
   * DSM accepts each code once per 30 s window (a reused one answers 404), so a second login in the
   * same window waits for the next window instead of sending a code that is sure to be refused.
   */
  private async nextOtpCode(key: Buffer): Promise<string> {
    let step = totpStep(Date.now());
    if (this.lastOtpStep !== undefined && step <= this.lastOtpStep) {
      const waitMs = (this.lastOtpStep + 1) * TOTP_STEP_MS - Date.now();
      this.logger.info(`Waiting ${Math.ceil(waitMs / 1000)} s for a fresh 2-step verification code (DSM accepts each code once).`);
      await delay(waitMs);
      step = totpStep(Date.now());
    }
    this.lastOtpStep = step;
    return totp(key, step * TOTP_STEP_MS);
  }

  private accept(data: unknown): LiveSession {
    const { sid, synotoken } = (data ?? {}) as { sid?: unknown; synotoken?: unknown };
    if (typeof sid !== 'string' || sid === '') {
      throw new OperationError('protocol', 'DSM accepted the login but sent no session id.', {
        next: 'Check that VMM_URL points at DSM itself, not at a proxy that rewrites answers.',
      });
    }
    const synoToken = typeof synotoken === 'string' && synotoken !== '' && synotoken !== NO_SYNO_TOKEN ? synotoken : undefined;
    registerSecret(sid);
    registerSecret(synoToken);
    this.generation += 1;
    this.logins += 1;
    this.current = { sid, synoToken, generation: this.generation };
    this.logger.debug('Logged in to DSM.', { account: this.credentials.username });
    return this.current;
  }

  private refused(code: number, errors: unknown, sentDeviceId: boolean): OperationError {
    const base = dsmError(code, AUTH_API, 'login', errors);
    if (base.kind !== 'auth' || base.dsm === undefined) return base;
    const usedDeviceId = sentDeviceId && code === 403;
    const reason = usedDeviceId ? 'DSM did not accept VMM_DEVICE_ID and asks for a 2-step verification code.' : base.dsm.meaning;
    const details = base.dsm.details.length > 0 ? ` Details: ${base.dsm.details.join('; ')}.` : '';
    const next = usedDeviceId
      ? 'Set VMM_OTP_SECRET, or register this server as a trusted device again and update VMM_DEVICE_ID.'
      : base.next;
    const account = this.credentials.username;
    return new OperationError('auth', `DSM refused the login of account "${account}" (error ${code}): ${reason}${details}`, {
      dsm: base.dsm,
      ...(next === undefined ? {} : { next }),
    });
  }
}
