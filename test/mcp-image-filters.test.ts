import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { errorText, structured } from './mcp-harness.js';
import { startProvidersHarness, type ProvidersHarness } from './providers-harness.js';

/**
 * list_images' status and region filters, through the SDK client on the three-provider config (nas,
 * luna, vdc): Wakame-VDC's soft-deleted images only when asked (dcmgr's `state=`), LunaNode's region
 * passed to `image/list`, paging counted after the filter, refusals an agent can act on, every answer
 * valid against the published outputSchema. And copy_image on Wakame-VDC: dcmgr's job, no new image here.
 */

interface ImageRow { id: string; name: string; status?: string; region?: string }
interface ImagePage { images: ImageRow[]; total: number; limit: number; offset: number; next_offset: number | null }
interface Confirmation { status: 'confirmation_required'; confirm_token: string }

let h: ProvidersHarness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

const validator = new AjvJsonSchemaValidator();

/** A tool's answer, checked against the outputSchema tools/list publishes for it. */
async function checked<T>(harness: ProvidersHarness, name: string, args: Record<string, unknown>): Promise<T> {
  const { tools } = await harness.client.listTools();
  const schema = tools.find((tool: Tool) => tool.name === name)?.outputSchema;
  if (schema === undefined) throw new Error(`${name} is listed without an outputSchema`);
  const data = structured<T>(await harness.call(name, args));
  const verdict = validator.getValidator(schema)(data);
  expect(verdict.errorMessage, JSON.stringify(data)).toBeUndefined();
  return data;
}

const listImages = (harness: ProvidersHarness, args: Record<string, unknown>): Promise<ImagePage> => checked<ImagePage>(harness, 'list_images', args);

const names = (page: ImagePage): string[] => page.images.map((image) => image.name).sort();

/** The `state` parameter of each `GET /images` the Wakame simulator received so far. */
function dcmgrStates(harness: ProvidersHarness): Array<string | undefined> {
  return harness.sims.vdc.stats.requests.filter((request) => request.method === 'GET' && request.path === '/images').map((request) => request.params.state);
}

describe('list_images status on Wakame-VDC', () => {
  it('leaves deleted images out by default and lists them, and only them, with status deleted after a confirmed delete', async () => {
    h = await startProvidersHarness();
    const before = await listImages(h, { target: 'vdc' });
    expect(names(before)).toEqual(['centos-7-minimal', 'debian-12-app', 'ubuntu-24.04-server']);
    expect(before.images.every((image) => image.status === 'available')).toBe(true);
    expect(names(await listImages(h, { target: 'vdc', status: 'deleted' }))).toEqual(['old-build']);

    const request = structured<Confirmation>(await h.call('delete_image', { target: 'vdc', image: 'debian-12-app' }));
    expect(request.status).toBe('confirmation_required');
    structured(await h.call('delete_image', { target: 'vdc', image: 'debian-12-app', confirm_token: request.confirm_token }));

    const deleted = await listImages(h, { target: 'vdc', status: 'deleted' });
    expect(deleted.images.map((image) => [image.name, image.status]).sort()).toEqual([['debian-12-app', 'deleted'], ['old-build', 'deleted']]);
    expect(names(await listImages(h, { target: 'vdc' }))).toEqual(['centos-7-minimal', 'ubuntu-24.04-server']);
    expect(names(await listImages(h, { target: 'vdc', status: 'available' }))).toEqual(['centos-7-minimal', 'ubuntu-24.04-server']);
    expect(await listImages(h, { target: 'vdc', status: 'pending' })).toMatchObject({ images: [], total: 0, next_offset: null });
    // Pushed down as dcmgr's own words: alive (not deleted) by default and for pending, deleted and available by name.
    expect(new Set(dcmgrStates(h))).toEqual(new Set(['alive', 'deleted', 'available']));
    expect(dcmgrStates(h).slice(-4)).toEqual(['deleted', 'alive', 'available', 'alive']);
  });

  it('opens a deleted image by its id, as list_images showed it, while its name no longer finds it', async () => {
    h = await startProvidersHarness();
    const [gone] = (await listImages(h, { target: 'vdc', status: 'deleted' })).images;
    expect(gone?.name).toBe('old-build');
    const shown = structured<{ image: { id: string; name: string; status: string } }>(await h.call('get_image', { target: 'vdc', image: gone?.id ?? '' }));
    expect(shown.image).toMatchObject({ id: gone?.id, name: 'old-build', status: 'deleted' });
    expect(errorText(await h.call('get_image', { target: 'vdc', image: 'old-build' }))).toContain('No image has the id or name "old-build"');
  });

  it('pages what the filter selects: total and next_offset count the deleted images only', async () => {
    h = await startProvidersHarness();
    const request = structured<Confirmation>(await h.call('delete_image', { target: 'vdc', image: 'debian-12-app' }));
    structured(await h.call('delete_image', { target: 'vdc', image: 'debian-12-app', confirm_token: request.confirm_token }));
    const first = await listImages(h, { target: 'vdc', status: 'deleted', limit: 1 });
    expect(first).toMatchObject({ total: 2, limit: 1, offset: 0, next_offset: 1 });
    expect(first.images).toHaveLength(1);
    const second = await listImages(h, { target: 'vdc', status: 'deleted', limit: 1, offset: 1 });
    expect(second).toMatchObject({ total: 2, next_offset: null });
    expect([...first.images, ...second.images].map((image) => image.name).sort()).toEqual(['debian-12-app', 'old-build']);
  });

  it('refuses a region on Wakame-VDC and on the NAS, naming the target that has regions', async () => {
    h = await startProvidersHarness();
    const vdc = errorText(await h.call('list_images', { target: 'vdc', region: 'toronto' }));
    expect(vdc).toMatch(/list_images cannot take region on target vdc: This Wakame-VDC target speaks .*, which offers no regions/);
    expect(vdc).toMatch(/omit region, or pass target as one that takes it: luna/);
    const nas = errorText(await h.call('list_images', { target: 'nas', region: 'toronto' }));
    expect(nas).toMatch(/list_images cannot take region on target nas: This DSM speaks .*, which offers no regions/);
    expect(nas).toMatch(/one that takes it: luna/);
    expect(dcmgrStates(h)).toEqual([]);
  });
});

describe('list_images region and status on LunaNode', () => {
  it('passes region to image/list, and the default still lists every region', async () => {
    h = await startProvidersHarness();
    const all = await listImages(h, { target: 'luna', limit: 200 });
    expect(new Set(all.images.map((image) => image.region))).toEqual(new Set(['toronto', 'montreal', 'roubaix']));
    const montreal = await listImages(h, { target: 'luna', region: 'montreal' });
    expect(montreal.images.map((image) => [image.name, image.region]).sort()).toEqual([
      ['Debian 12 64-bit', 'montreal'],
      ['Ubuntu 24.04 64-bit', 'montreal'],
    ]);
    expect(montreal.total).toBe(all.images.filter((image) => image.region === 'montreal').length);
    const page = await listImages(h, { target: 'luna', region: 'toronto', limit: 2 });
    expect(page).toMatchObject({ total: 3, next_offset: 2 });
    expect(page.images.every((image) => image.region === 'toronto')).toBe(true);
  });

  it("answers an unknown region with LunaNode's own refusal and the regions there are", async () => {
    h = await startProvidersHarness();
    const text = errorText(await h.call('list_images', { target: 'luna', region: 'paris' }));
    expect(text).toMatch(/invalid region/);
    expect(text).toMatch(/toronto, montreal or roubaix/);
    expect(h.sims.luna.requests.at(-1)).toEqual({ endpoint: 'image/list/', outcome: 'no' });
  });

  it('filters by status: a failed import shows under failed, no image is ever deleted there', async () => {
    h = await startProvidersHarness();
    const made = structured<{ status: string; image: ImageRow }>(
      await h.call('create_image', { target: 'luna', name: 'broken', url: 'https://images.example.invalid/broken.qcow2', format: 'qcow2', wait: true }),
    );
    expect(made.status).toBe('failed');
    const failed = await listImages(h, { target: 'luna', status: 'failed' });
    expect(failed.images.map((image) => [image.name, image.status])).toEqual([['broken', 'failed']]);
    const available = await listImages(h, { target: 'luna', status: 'available', limit: 200 });
    expect(available.images.map((image) => image.name)).not.toContain('broken');
    expect(available.total).toBe(7);
    expect(await listImages(h, { target: 'luna', status: 'deleted' })).toMatchObject({ images: [], total: 0 });
  });
});

describe('list_images input', () => {
  it('lists status and region once a configured target takes them', async () => {
    h = await startProvidersHarness();
    const { tools } = await h.client.listTools();
    const properties = tools.find((tool) => tool.name === 'list_images')?.inputSchema.properties ?? {};
    expect(Object.keys(properties)).toEqual(['status', 'region', 'limit', 'offset', 'target']);
  });

  it('refuses an unknown status with the allowed ones, before any backend call', async () => {
    h = await startProvidersHarness();
    const text = errorText(await h.call('list_images', { target: 'vdc', status: 'gone' }));
    expect(text).toMatch(/^Invalid arguments for list_images:/);
    expect(text).toMatch(/status: .*"pending".*"available".*"failed".*"deleted"/);
    expect(errorText(await h.call('list_images', { target: 'luna', region: '' }))).toMatch(/region: /);
    expect(dcmgrStates(h)).toEqual([]);
    expect(h.sims.luna.requests).toEqual([]);
  });

  it('refuses a status filter on the NAS, whose images carry none, naming the targets whose images do', async () => {
    h = await startProvidersHarness();
    const text = errorText(await h.call('list_images', { target: 'nas', status: 'available' }));
    expect(text).toMatch(/list_images cannot take status on target nas: This DSM speaks .*, which offers no status on images/);
    expect(text).toMatch(/omit status, or pass target as one that takes it: luna, vdc; or an image being made shows as a task/);
    expect(structured<ImagePage>(await h.call('list_images', { target: 'nas' })).images.length).toBeGreaterThan(0);
  });
});

describe('copy_image on Wakame-VDC', () => {
  it("answers dcmgr's job: the copy is made at the destination's site, and this target lists no new image", async () => {
    h = await startProvidersHarness();
    const before = await listImages(h, { target: 'vdc' });
    const copy = await checked<{ status: string; message: string; job?: { id: string; destination: string }; image?: unknown }>(h, 'copy_image', {
      target: 'vdc',
      image: 'debian-12-app',
      destination: 'bkst-remote',
    });
    const [job] = h.sims.vdc.state.jobs;
    expect(job?.id).toMatch(/^job-[a-z0-9]{8}$/);
    expect(copy).toMatchObject({ status: 'started', job: { id: job?.id, destination: 'bkst-remote' } });
    expect(copy.image).toBeUndefined();
    expect(copy.message).toMatch(/new image with its own id in the site behind "bkst-remote"/);
    expect(copy.message).toMatch(/not on target vdc, whose list_images will not show it\./);
    expect(copy.message).toContain(`Call wait_task with task_id ${job?.id}`);
    expect(names(await listImages(h, { target: 'vdc' }))).toEqual(names(before));
  });
});
