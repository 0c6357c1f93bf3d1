import type { Call, Handler } from '../context.js';
import { randomSecret } from '../ids.js';
import type { SimulatedUser } from '../options.js';
import { matchingStep } from '../totp.js';
import { DsmFailure } from '../wire.js';

/**
 * SYNO.API.Auth login/logout with DSM's codes: 400 wrong account or password, 401 disabled,
 * 402 permission denied, 403 OTP required, 404 OTP rejected (wrong, or already used in its window),
 * 406-410 where an account is set up to be refused so (2-step enforcement, blocked IP, expired password).
 */
export class AuthApi {
  /** Highest TOTP step already used per account: RFC 6238 forbids accepting a code twice. */
  private readonly lastOtpStep = new Map<string, number>();
  /** Device tokens issued by `enable_device_token=yes`, with the account they belong to. */
  private readonly deviceTokens = new Map<string, string>();

  readonly methods: Readonly<Record<string, Handler>> = {
    login: (call) => this.login(call),
    logout: (call) => this.logout(call),
  };

  private login({ sim, params, version, setCookie }: Call): unknown {
    const account = params.string('account') ?? '';
    const password = params.string('passwd') ?? '';
    const user = sim.options.users.find((candidate) => candidate.account === account);
    if (user === undefined || user.password !== password) throw new DsmFailure(400);
    if (user.disabled === true) throw new DsmFailure(401);
    if (user.permissionDenied === true) throw new DsmFailure(402);
    if (user.loginRefusal !== undefined) throw new DsmFailure(user.loginRefusal);
    const now = Date.now();
    this.checkSecondFactor(user, params.string('otp_code'), params.string('device_id'), now);

    const session = sim.sessions.open(account, params.string('session') ?? '', params.string('enable_syno_token') === 'yes', now);
    sim.stats.logins += 1;
    const data: Record<string, unknown> = { sid: session.sid, is_portal_port: false };
    if (session.synotoken !== undefined) data.synotoken = session.synotoken;
    if (params.string('enable_device_token') === 'yes') {
      const token = randomSecret(24);
      this.deviceTokens.set(token, account);
      // Version 7 names the device token `device_id`, the name later logins send it back under; up to 6 it was `did`.
      data[version >= 7 ? 'device_id' : 'did'] = token;
    }
    if ((params.string('format') ?? 'cookie') === 'cookie') setCookie(`id=${session.sid}; Path=/; Max-Age=604800; HttpOnly`);
    return data;
  }

  private checkSecondFactor(user: SimulatedUser, otpCode: string | undefined, deviceId: string | undefined, now: number): void {
    if (user.otpSecret === undefined) return;
    if (deviceId !== undefined && this.deviceTokens.get(deviceId) === user.account) return;
    if (otpCode === undefined || otpCode === '') {
      throw new DsmFailure(403, { types: [{ type: 'otp' }], token: randomSecret(16) });
    }
    const step = matchingStep(user.otpSecret, otpCode, now);
    const lastUsed = this.lastOtpStep.get(user.account) ?? Number.NEGATIVE_INFINITY;
    if (step === undefined || step <= lastUsed) throw new DsmFailure(404);
    this.lastOtpStep.set(user.account, step);
  }

  /**
   * The session to end comes as the guide's `sid` or as `_sid` (or the cookie). Without any DSM
   * answers success and keeps the session: a client bug that piles sessions up.
   */
  private logout({ sim, params, sid }: Call): unknown {
    const target = params.string('sid') || sid;
    if (target !== undefined && target !== '' && sim.sessions.close(target)) sim.stats.logouts += 1;
    return undefined;
  }
}
