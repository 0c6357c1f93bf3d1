import type { z } from 'zod';
import { delayOrAbort } from '../../../abort.js';
import { OperationError } from '../../../errors.js';
import { WireFailure } from '../../../http/failure.js';
import type { TlsSettings } from '../../../http/tls.js';
import { silentLogger, type Logger } from '../../../log.js';
import { dcmgrError, errorBody } from './error-codes.js';
import { cancelled, failureError } from './failures.js';
import { DcmgrTransport, type DcmgrRequest, type WireParams } from './transport.js';
import {
  parsePage,
  wireBackup,
  wireIdAnswer,
  wireIdList,
  wireImage,
  wireInstance,
  wireJob,
  wireQueuedJob,
  type WireBackup,
  type WireImage,
  type WireInstance,
  type WireJob,
  type WireQueuedJob,
} from './wire.js';

/**
 * The Wakame-VDC dcmgr 12.03 client: one method per route this project uses, account scoping by
 * header, explicit paging over both list shapes, retries for reads only, and errors a user can act on.
 * It knows dcmgr's words (instance states, image states); the adapter maps them to the neutral model.
 */

export interface DcmgrClientOptions {
  /** Where dcmgr listens, e.g. http://dcmgr.example:9001 (the client adds /api/12.03). */
  url: string;
  /** The account every request acts as (X-VDC-Account-UUID); required unless `admin`. */
  account?: string;
  /** No account header: dcmgr's unscoped administrator view. Must be asked for explicitly. */
  admin?: boolean;
  /** Per request (default 30000). */
  timeoutMs?: number;
  /** Default 2 (reads only; writes are never retried). */
  readRetries?: number;
  /** First pause before a read is repeated (default 100 ms), doubling up to 2 s. */
  retryDelayMs?: number;
  /** Items per list request (default 100; dcmgr's own default is 250). */
  pageSize?: number;
  /** Certificate checks for an https url: a CA, a SHA-256 pin, or (loudly) none. */
  tls?: TlsSettings;
  logger?: Logger;
}

export interface DcmgrClientStats {
  /** HTTP requests sent, retries included. */
  requests: number;
  /** Reads repeated after a network failure or HTTP 5xx. */
  retries: number;
}

export interface ImageFilter {
  /** dcmgr's words: available, deleted, alive, alive_with_deleted. */
  state?: string;
  /** Also list public images of other accounts (dcmgr ORs this with the account's own). */
  is_public?: boolean;
  service_type?: string;
  created_since?: string;
  created_until?: string;
}

export interface InstanceFilter {
  /** dcmgr's words: running, stopped, terminated, alive. */
  state?: string;
  display_name?: string;
  service_type?: string;
}

export interface PageRequest {
  start: number;
  limit: number;
}

export interface Page<T> {
  total: number;
  start: number;
  items: T[];
}

export interface NewInstance {
  image_id: string;
  hypervisor: string;
  cpu_cores: number;
  /** MiB. */
  memory_size: number;
  display_name?: string;
  hostname?: string;
}

export type PowerAction = 'start' | 'stop' | 'reboot' | 'poweron' | 'poweroff';

/**
 * What can go in the header at all; whether dcmgr knows the format is dcmgr's to say (103), since the
 * account id rules are its own (stock installs use a- and 8 lowercase letters or digits).
 */
const ACCOUNT_HEADER = /^a-[\x21-\x7e]+$/;

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_READ_RETRIES = 2;
const DEFAULT_RETRY_DELAY_MS = 100;
const MAX_RETRY_DELAY_MS = 2_000;
const DEFAULT_PAGE_SIZE = 100;
/** A list longer than this many pages is not a list dcmgr would serve; stop rather than loop. */
const MAX_PAGES = 10_000;

type CallKind = 'read' | 'write';

export class DcmgrClient {
  readonly account: string | undefined;
  private readonly transport: DcmgrTransport;
  private readonly logger: Logger;
  private readonly readRetries: number;
  private readonly retryDelayMs: number;
  private readonly pageSize: number;
  private requests = 0;
  private retries = 0;

  constructor(options: DcmgrClientOptions) {
    this.account = checkAccount(options);
    this.logger = options.logger ?? silentLogger;
    this.readRetries = options.readRetries ?? DEFAULT_READ_RETRIES;
    this.retryDelayMs = options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS;
    this.pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(this.pageSize) || this.pageSize < 1) throw new RangeError('pageSize must be a positive integer');
    this.transport = new DcmgrTransport({
      url: checkUrl(options.url),
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      account: this.account,
      tls: options.tls ?? {},
      logger: this.logger,
    });
  }

  get stats(): DcmgrClientStats {
    return { requests: this.requests, retries: this.retries };
  }

  get origin(): string {
    return this.transport.origin;
  }

  /** One page of `GET /images`, exactly as asked. */
  imagePage(filter: ImageFilter, page: PageRequest, signal?: AbortSignal): Promise<Page<WireImage>> {
    return this.page('/images', imageParams(filter), page, wireImage, signal);
  }

  /** Every image the filter selects, page by page. */
  listImages(filter: ImageFilter = {}, signal?: AbortSignal): Promise<WireImage[]> {
    return this.all((page) => this.imagePage(filter, page, signal));
  }

  getImage(id: string, signal?: AbortSignal): Promise<WireImage> {
    return this.call('read', { method: 'GET', path: `/images/${segment(id)}` }, wireImage, signal);
  }

  updateImage(id: string, changes: { display_name?: string; description?: string }, signal?: AbortSignal): Promise<WireImage> {
    const params = { display_name: changes.display_name, description: changes.description };
    return this.call('write', { method: 'PUT', path: `/images/${segment(id)}`, params }, wireImage, signal);
  }

  copyImage(id: string, destination: string, signal?: AbortSignal): Promise<WireJob> {
    return this.call('write', { method: 'PUT', path: `/images/${segment(id)}/copy_to`, params: { destination } }, wireJob, signal);
  }

  /**
   * One queued job (a copy_to's, for one). dcmgr does not scope jobs by account; its job list spans
   * every account and its DELETE cancels, so neither is offered here.
   */
  getJob(id: string, signal?: AbortSignal): Promise<WireQueuedJob> {
    return this.call('read', { method: 'GET', path: `/jobs/${segment(id)}` }, wireQueuedJob, signal);
  }

  /** A soft delete: dcmgr keeps the record with state `deleted`. Answers the deleted ids. */
  deleteImage(id: string, signal?: AbortSignal): Promise<string[]> {
    return this.call('write', { method: 'DELETE', path: `/images/${segment(id)}` }, wireIdList, signal);
  }

  instancePage(filter: InstanceFilter, page: PageRequest, signal?: AbortSignal): Promise<Page<WireInstance>> {
    return this.page('/instances', { ...filter }, page, wireInstance, signal);
  }

  listInstances(filter: InstanceFilter = {}, signal?: AbortSignal): Promise<WireInstance[]> {
    return this.all((page) => this.instancePage(filter, page, signal));
  }

  getInstance(id: string, signal?: AbortSignal): Promise<WireInstance> {
    return this.call('read', { method: 'GET', path: `/instances/${segment(id)}` }, wireInstance, signal);
  }

  createInstance(spec: NewInstance, signal?: AbortSignal): Promise<WireInstance> {
    return this.call('write', { method: 'POST', path: '/instances', params: { ...spec } }, wireInstance, signal);
  }

  /** Renames: `PUT /instances/:id` with display_name. */
  updateInstance(id: string, changes: { display_name: string }, signal?: AbortSignal): Promise<WireInstance> {
    return this.call('write', { method: 'PUT', path: `/instances/${segment(id)}`, params: changes }, wireInstance, signal);
  }

  async powerAction(id: string, action: PowerAction, options: { force?: boolean } = {}, signal?: AbortSignal): Promise<void> {
    const params: WireParams = action === 'poweroff' && options.force !== undefined ? { force: options.force } : {};
    await this.call('write', { method: 'PUT', path: `/instances/${segment(id)}/${action}`, params }, wireIdAnswer, signal);
  }

  /** Makes an image of a halted instance; the image then goes creating -> pending -> available. */
  backupInstance(id: string, options: { display_name?: string; description?: string } = {}, signal?: AbortSignal): Promise<WireBackup> {
    const params = { display_name: options.display_name, description: options.description };
    return this.call('write', { method: 'PUT', path: `/instances/${segment(id)}/backup`, params }, wireBackup, signal);
  }

  /** Terminates; a stopped instance's record goes at once. Answers the ids. */
  deleteInstance(id: string, signal?: AbortSignal): Promise<string[]> {
    return this.call('write', { method: 'DELETE', path: `/instances/${segment(id)}` }, wireIdList, signal);
  }

  close(): Promise<void> {
    return this.transport.close();
  }

  private async page<T>(
    path: string,
    filter: WireParams,
    request: PageRequest,
    schema: z.ZodType<T>,
    signal: AbortSignal | undefined,
  ): Promise<Page<T>> {
    const what = `GET ${path}`;
    const body = await this.exchange('read', { method: 'GET', path, params: { ...filter, start: request.start, limit: request.limit } }, signal);
    const page = parsePage(body);
    if (page === undefined) throw this.protocol(what, 'the answer is neither [{ total, start, limit, results }] nor the owner_total form');
    const items = page.items.map((item) => this.parse(schema, item, what));
    return { total: page.total, start: page.start, items };
  }

  /** Pages explicitly: dcmgr caps an unpaged list at 250 without saying so. */
  private async all<T>(read: (page: PageRequest) => Promise<Page<T>>): Promise<T[]> {
    const items: T[] = [];
    for (let pages = 0; pages < MAX_PAGES; pages += 1) {
      const page = await read({ start: items.length, limit: this.pageSize });
      items.push(...page.items);
      if (page.items.length === 0 || items.length >= page.total) return items;
    }
    throw this.protocol('a list', `more than ${MAX_PAGES} pages`);
  }

  private async call<T>(kind: CallKind, request: DcmgrRequest, schema: z.ZodType<T>, signal: AbortSignal | undefined): Promise<T> {
    const body = await this.exchange(kind, request, signal);
    return this.parse(schema, body, `${request.method} ${request.path}`);
  }

  /** Sends, repeats reads on network failures and 5xx with backoff, and turns error answers into DcmgrErrors. */
  private async exchange(kind: CallKind, request: DcmgrRequest, signal: AbortSignal | undefined): Promise<unknown> {
    const what = `${request.method} ${request.path}`;
    for (let attempt = 0; ; attempt += 1) {
      this.requests += 1;
      let answer;
      try {
        answer = await this.transport.send(request, signal);
      } catch (error) {
        if (!(error instanceof WireFailure)) throw error;
        const retryable = kind === 'read' && (error.reason === 'network' || error.reason === 'server');
        if (!retryable || attempt >= this.readRetries) {
          throw failureError(error, { write: kind === 'write', what, origin: this.transport.origin });
        }
        this.retries += 1;
        const delayMs = Math.min(MAX_RETRY_DELAY_MS, this.retryDelayMs * 2 ** attempt);
        this.logger.debug(`${what} failed (${error.message}); retrying in ${delayMs} ms.`);
        await delayOrAbort(delayMs, signal, () => cancelled(what));
        continue;
      }
      if (answer.status >= 200 && answer.status < 300) return answer.body;
      const body = errorBody(answer.body);
      if (body === undefined) throw this.protocol(what, `HTTP ${answer.status} without dcmgr's error body`);
      throw dcmgrError(what, answer.status, body);
    }
  }

  private parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.map(String).join('.')}`;
    throw this.protocol(what, `unexpected answer${where}: ${issue?.message ?? 'invalid'}`);
  }

  private protocol(what: string, detail: string): OperationError {
    return new OperationError('protocol', `dcmgr at ${this.transport.origin} answered ${what} with something this client does not understand: ${detail}.`, {
      next: 'Check that the target\'s url points at dcmgr (API 12.03); report the dcmgr version if it does.',
    });
  }
}

/** Ids go in the path; anything unusual in one is dcmgr's to refuse (143), not a broken URL. */
function segment(id: string): string {
  return encodeURIComponent(id);
}

function imageParams(filter: ImageFilter): WireParams {
  const { is_public, ...rest } = filter;
  // dcmgr tests for the parameter's presence, whatever its value.
  return is_public === true ? { ...rest, is_public: 'true' } : rest;
}

function checkAccount(options: DcmgrClientOptions): string | undefined {
  const next = 'Set the target\'s account to the Wakame-VDC account to act as (a- and 8 lowercase letters or digits), or set admin for the unscoped administrator view.';
  if (options.admin === true) {
    if (options.account !== undefined) {
      throw new OperationError('invalid_input', 'A Wakame-VDC target is either an account or admin, not both.', { next });
    }
    return undefined;
  }
  if (options.account === undefined) {
    throw new OperationError('invalid_input', 'A Wakame-VDC target needs an account: without X-VDC-Account-UUID dcmgr acts as administrator over every account.', { next });
  }
  if (!ACCOUNT_HEADER.test(options.account)) {
    throw new OperationError('invalid_input', `The Wakame-VDC account "${options.account}" is not an account id.`, { next });
  }
  return options.account;
}

function checkUrl(text: string): string {
  const next = 'Set the target\'s url to dcmgr\'s address, for example http://dcmgr.example:9001.';
  let url: URL;
  try {
    url = new URL(text);
  } catch (error) {
    throw new OperationError('invalid_input', `The Wakame-VDC url "${text}" is not a URL.`, { cause: error, next });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new OperationError('invalid_input', `The Wakame-VDC url must start with http:// or https://, got "${url.protocol}".`, { next });
  }
  return url.href;
}
