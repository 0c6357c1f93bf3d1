/** A setting the server cannot start with. The CLI prints `vmm-mcp: <message>` on one line and exits with 2. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
