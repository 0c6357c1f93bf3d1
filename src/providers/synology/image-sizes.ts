import type { Logger } from '../../log.js';
import type { CallContext } from '../../vmm/backend.js';
import type { ImageId } from '../../vmm/model.js';
import { type DsmParams, type WireObject, bytesToMib, dsmCode, optionalNumber, optionalText, wireList } from './wire.js';
import { isOperationError } from '../../errors.js';

/** The internal image API: the seeds' compact document (000) describes it, and a DSM 7 box lists it. */
export const INTERNAL_IMAGE_API = 'SYNO.Virtualization.Image';

/** 103: "The requested method does not exist." */
const NO_SUCH_METHOD = 103;
/** Asked per page; a box may answer fewer, and paging follows what it answers. */
const PAGE_LIMIT = 1000;

export type ImageListReader = (method: string, params: DsmParams, ctx: CallContext | undefined) => Promise<WireObject>;

/**
 * Image sizes for the official family, whose `Guest.Image` list carries none (VMM API guide). A DSM 7
 * box lists the internal image API beside the official ones, and its list gives each image's `size`
 * in bytes; the official list is joined with it by `image_id`. Like the internal guest API it comes
 * in DSM 7's lowercase dialect (`list`) or the seeds' CamelCase one (`List`): lowercase is asked
 * first, and a 103 switches to CamelCase for good. The sizes are an extra: when they cannot be read
 * the images are still listed, without sizes, and the reason is logged.
 */
export class InternalImageSizes {
  private method: 'list' | 'List' = 'list';

  constructor(
    private readonly read: ImageListReader,
    private readonly logger: Logger,
  ) {}

  /** Sizes in MiB by image id; empty when the list could not be read (unless the caller cancelled). */
  async byId(ctx: CallContext | undefined): Promise<ReadonlyMap<ImageId, number>> {
    try {
      return await this.readSizes(ctx);
    } catch (error) {
      if (ctx?.signal?.aborted === true) throw error;
      this.logger.warning(`${INTERNAL_IMAGE_API} ${this.method} failed, so images are listed without their sizes`, {
        error: error instanceof Error ? error.message : String(error),
      });
      return new Map();
    }
  }

  private async readSizes(ctx: CallContext | undefined): Promise<ReadonlyMap<ImageId, number>> {
    const sizes = new Map<ImageId, number>();
    let listed = 0;
    for (;;) {
      const data = await this.page(listed, ctx);
      const page = wireList(data, 'images', `the ${INTERNAL_IMAGE_API} list`);
      listed += page.length;
      for (const image of page) {
        const id = optionalText(image, 'image_id');
        const bytes = optionalNumber(image, 'size');
        if (id !== undefined && bytes !== undefined) sizes.set(id as ImageId, bytesToMib(bytes));
      }
      const total = optionalNumber(data, 'total') ?? listed;
      if (page.length === 0 || listed >= total) return sizes;
    }
  }

  private async page(offset: number, ctx: CallContext | undefined): Promise<WireObject> {
    const params = { offset, limit: PAGE_LIMIT };
    try {
      return await this.read(this.method, params, ctx);
    } catch (error) {
      if (this.method === 'List' || !isNoSuchMethod(error)) throw error;
      this.method = 'List';
      return this.read(this.method, params, ctx);
    }
  }
}

function isNoSuchMethod(error: unknown): boolean {
  return dsmCode(error) === NO_SUCH_METHOD && isOperationError(error) && error.dsm?.api === INTERNAL_IMAGE_API;
}
