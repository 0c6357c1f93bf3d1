import { readFile } from 'node:fs/promises';
import { registerAppResource, RESOURCE_MIME_TYPE } from '@modelcontextprotocol/ext-apps/server';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';

export const DASHBOARD_URI = 'ui://vmm/dashboard';

/**
 * The one HTML document the build bundles the view into (scripts/build-dashboard.mjs). The path is
 * three folders up from this module both in src/ (tests) and in dist/ (the installed server).
 */
export const DASHBOARD_HTML = new URL('../../../dist/apps/dashboard.html', import.meta.url);

/**
 * ui://vmm/dashboard: the view of show_dashboard. It needs no network (it talks only to its host by
 * postMessage), so it asks for no CSP domains: the host's default policy, which allows nothing else, fits.
 */
export function registerDashboardResource(server: McpServer): void {
  registerAppResource(
    server,
    'VMM dashboard',
    DASHBOARD_URI,
    { description: 'Interactive view of show_dashboard: hosts, storages, VMs and tasks of every target, with power and delete buttons.' },
    async () => ({ contents: [{ uri: DASHBOARD_URI, mimeType: RESOURCE_MIME_TYPE, text: await dashboardHtml() }] }),
  );
}

let cached: Promise<string> | undefined;

function dashboardHtml(): Promise<string> {
  cached ??= readFile(DASHBOARD_HTML, 'utf8').catch((error: unknown) => {
    cached = undefined;
    const why = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new Error(`The dashboard view ${DASHBOARD_HTML.pathname} cannot be read (${why}); build it with \`npm run build\``);
  });
  return cached;
}
