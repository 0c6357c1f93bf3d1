import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { maskSecrets } from '../safety/redact.js';

/**
 * The one outgoing filter: every JSON-RPC message the server sends (results, notifications, its own
 * requests such as elicitation, and the error answers of every method) has the known secret values
 * masked at the transport, whatever produced it. Features still redact their own output; this is the
 * net that no new feature can forget to use. Applied to the transport in place, so that everything
 * else about it (session ids, protocol version, callbacks the owner set) stays as it is.
 */
export function redactOutgoing<T extends Transport>(transport: T): T {
  const send = transport.send.bind(transport);
  transport.send = (message, options) => send(maskSecrets(message), options);
  return transport;
}
