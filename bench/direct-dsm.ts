import { Agent, request } from 'undici';

/**
 * The baseline for the overhead figure: the same operation as a plain HTTP call to the simulated DSM,
 * written the way the official guide shows it (login once, then `Guest get` with `_sid`), over a
 * keep-alive connection like the server's own client uses.
 */
export class DirectDsm {
  private readonly agent = new Agent({ connections: 64, pipelining: 1 });
  private sid: string | undefined;

  constructor(private readonly baseUrl: string) {}

  async login(account: string, password: string, session: string): Promise<void> {
    const data = await this.post('entry.cgi', {
      api: 'SYNO.API.Auth',
      version: '7',
      method: 'login',
      account,
      passwd: password,
      session,
      format: 'sid',
    });
    const sid = (data as { sid?: unknown }).sid;
    if (typeof sid !== 'string') throw new Error('direct login answered without a sid');
    this.sid = sid;
  }

  /** Sends one DSM request; resolves `data`, rejects on `success: false`. */
  async call(api: string, method: string, params: Record<string, string> = {}): Promise<unknown> {
    const query = new URLSearchParams({ api, version: '1', method, ...params, _sid: this.requireSid() });
    const response = await request(`${this.baseUrl}/webapi/entry.cgi?${query.toString()}`, { dispatcher: this.agent });
    return unwrap(api, method, await response.body.json());
  }

  async post(path: string, form: Record<string, string>): Promise<unknown> {
    const response = await request(`${this.baseUrl}/webapi/${path}`, {
      method: 'POST',
      dispatcher: this.agent,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    return unwrap(form.api ?? '?', form.method ?? '?', await response.body.json());
  }

  async close(): Promise<void> {
    if (this.sid !== undefined) {
      await this.post('entry.cgi', { api: 'SYNO.API.Auth', version: '7', method: 'logout', _sid: this.sid });
      this.sid = undefined;
    }
    await this.agent.close();
  }

  private requireSid(): string {
    if (this.sid === undefined) throw new Error('direct client is not logged in');
    return this.sid;
  }
}

function unwrap(api: string, method: string, body: unknown): unknown {
  const answer = body as { success?: boolean; data?: unknown; error?: { code?: number } };
  if (answer.success !== true) throw new Error(`${api} ${method} failed with DSM code ${answer.error?.code ?? '?'}`);
  return answer.data;
}
