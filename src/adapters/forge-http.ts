import { errorMessage } from '../core/errors.js';
import type { ForgeFailure } from '../core/forge.js';
import { fetchWithin, readCappedText } from './http-body.js';

/** A forge's answer: its JSON is an error's or one resource's, never more than this. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface ForgeAnswer {
  status: number;
  headers: Headers;
  /** The body as JSON; null when it is not JSON (then the status decides). */
  data: unknown;
}

/** One call to a forge's REST API, JSON in and out, never redirected; only the first MB of the
 * answer is read. No answer in time, or no connection, is `unavailable`, named by `what`. */
export async function callForgeApi(
  url: string,
  request: { method: string; headers: Record<string, string>; body?: unknown },
  timeoutMs: number,
  what: string,
): Promise<ForgeAnswer | ForgeFailure> {
  const { method, headers, body } = request;
  try {
    const response = await fetchWithin(
      url,
      {
        method,
        headers: { 'user-agent': 'sentinel-autofix', ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        redirect: 'error',
      },
      timeoutMs,
    );
    const text = await readCappedText(response, MAX_BODY_BYTES);
    let data: unknown = null;
    try {
      data = JSON.parse(text) as unknown;
    } catch {
      // not JSON: the status decides
    }
    return { status: response.status, headers: response.headers, data };
  } catch (error) {
    return { kind: 'unavailable', reason: `${what}: ${errorMessage(error)}` };
  }
}
