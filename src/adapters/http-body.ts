/** What an answer body is read for: an error message or a JSON error object, a few KB at most. */
export const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * The first `maxBytes` of a response body as UTF-8; the rest is never downloaded. A broken or
 * hostile server's endless or 300 MB answer costs the cap, not the process's memory.
 */
export async function readCappedText(res: Response, maxBytes = MAX_ANSWER_BYTES): Promise<string> {
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let read = 0;
  try {
    while (read < maxBytes) {
      const { done, value } = await reader.read();
      if (done) return text + decoder.decode();
      const kept = value.subarray(0, maxBytes - read);
      read += kept.length;
      text += decoder.decode(kept, { stream: true });
    }
    return text; // a character cut by the cap is dropped, not turned into U+FFFD
  } finally {
    await reader.cancel().catch(() => {});
  }
}

/** Drops a body that is not wanted, without reading it: closes the connection's stream. */
export async function discardBody(res: Response): Promise<void> {
  await res.body?.cancel().catch(() => {});
}

/**
 * `fetch` with a deadline that keeps the process alive while it waits. `AbortSignal.timeout`'s
 * timer does not: when a reset connection leaves fetch's promise pending with nothing else to
 * wait for, Node ends the process (exit 13, unsettled top-level await) and the alert is not sent.
 */
export async function fetchWithin(url: string | URL, init: RequestInit, timeoutMs: number): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')), timeoutMs);
  try {
    return await fetch(url, { ...init, signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}
