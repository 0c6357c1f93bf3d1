// Bundles the dashboard view (src/apps/dashboard/view) into one self-contained HTML document,
// dist/apps/dashboard.html: script and styles inline, nothing fetched, so the host's default
// CSP (no network, no external fonts) fits. Run by `npm run build` after tsc.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { build, transform } from 'esbuild';

const view = new URL('../src/apps/dashboard/view/', import.meta.url);
const out = new URL('../dist/apps/dashboard.html', import.meta.url);

/**
 * The App class sets zod's configuration through the whole `z` namespace, which keeps every export of
 * zod in the bundle, its 40-odd error-message translations included (half the bytes). The view never
 * picks a language (zod's English stays, as zod sets it itself), so the translations are left out.
 */
const withoutZodTranslations = {
  name: 'without-zod-translations',
  setup(builder) {
    builder.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      args.importer.includes('/node_modules/zod/') ? { path: 'zod-locales', namespace: 'empty' } : undefined);
    builder.onLoad({ filter: /.*/, namespace: 'empty' }, () => ({ contents: 'export {};', loader: 'js' }));
  },
};

const script = await build({
  entryPoints: [new URL('main.ts', view).pathname],
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  legalComments: 'none',
  write: false,
  plugins: [withoutZodTranslations],
});
const js = script.outputFiles[0].text;
const css = (await transform(await readFile(new URL('style.css', view), 'utf8'), { loader: 'css', minify: true })).code;
// An inline script ends at the first "</script"; esbuild escapes it in strings, and this checks it did.
if (/<\/script/i.test(js)) throw new Error('the dashboard bundle contains "</script" and cannot be inlined');

const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>VMM dashboard</title><style>${css}</style></head><body><script>${js}</script></body></html>\n`;
await mkdir(new URL('.', out), { recursive: true });
await writeFile(out, html);
process.stderr.write(`dist/apps/dashboard.html: ${Buffer.byteLength(html)} bytes\n`);
