import type { ServerResponse } from 'node:http';

export function replyJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

/** Errors on the MCP endpoint keep the JSON-RPC envelope the SDK transport itself uses, so clients parse them alike. */
export function replyJsonRpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  replyJson(res, status, { jsonrpc: '2.0', error: { code, message }, id: null }, headers);
}
