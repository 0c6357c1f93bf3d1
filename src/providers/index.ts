import type { ProviderDefinition } from './provider.js';
import { lunanode } from './lunanode/provider.js';
import { synology } from './synology/provider.js';
import { wakame } from './wakame/provider.js';

/**
 * Every provider the server can talk to, one line each; the first is the default `type` and the first
 * target of the `--simulator` demo. Adding a provider: a folder exporting a ProviderDefinition, and a line here.
 */
export const PROVIDERS = [
  synology,
  lunanode,
  wakame,
] as const satisfies ReadonlyArray<ProviderDefinition<unknown>>;

export const PROVIDER_TYPES = PROVIDERS.map((provider) => provider.type) as [string, ...string[]];

export function providerOf(type: string): ProviderDefinition<unknown> {
  const provider: ProviderDefinition<unknown> | undefined = PROVIDERS.find((candidate) => candidate.type === type);
  if (provider === undefined) throw new Error(`no provider of type ${type} is registered`);
  return provider;
}
