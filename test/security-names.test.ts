import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { CONFIRM_FIELD } from '../src/safety/confirm-elicitation.js';
import { errorText, startHarness, structured, type Harness } from './mcp-harness.js';

/**
 * Issue 13, finding 7: names were compared as raw strings, so an NFD spelling of a protected NFC name
 * ("cafe" + U+0301 against "café-*") was not protected. Every name comparison normalises both sides
 * to NFC: protection globs, the name a human types into a confirmation form, and name resolution.
 */

const NFC = 'café-db';
const NFD = 'cafe\u0301-db';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function renameWin10(harness: Harness, name: string): string {
  const vm = harness.sim.state.vmNamed('win10');
  if (vm === undefined) throw new Error('the demo inventory has win10');
  harness.sim.state.renameVm(vm, name);
  return vm.id;
}

describe('names compare in NFC on both sides', () => {
  it('protects a VM whose name is the NFD spelling of a protected NFC pattern', async () => {
    expect(NFD).not.toBe(NFC);
    h = await startHarness({ policy: { protect: ['café-*'] } });
    const id = renameWin10(h, NFD);
    const text = errorText(await h.call('update_vm', { vm: id, description: 'should be refused' }));
    expect(text).toContain('VMM_PROTECT');
    expect(h.sim.state.vms.get(id)?.description).not.toBe('should be refused');
  });

  it('finds a VM by the other spelling of its name', async () => {
    h = await startHarness();
    const id = renameWin10(h, NFC);
    expect(structured<{ vm: { id: string } }>(await h.call('get_vm', { vm: NFD })).vm.id).toBe(id);
  });

  it('accepts a confirmation typed in the other spelling', async () => {
    h = await startHarness({
      clientCapabilities: { elicitation: { form: {} } },
      prepareClient: (client) => client.setRequestHandler(ElicitRequestSchema, () => ({ action: 'accept', content: { [CONFIRM_FIELD]: NFD } })),
    });
    const id = renameWin10(h, NFC);
    expect(structured(await h.call('delete_vm', { vm: id })).status).toBe('deleted');
    expect(h.sim.state.vms.has(id)).toBe(false);
  });
});
